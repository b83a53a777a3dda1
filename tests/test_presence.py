"""Presence with capacity, the same behaviour in memory (one worker) and in Redis (several workers)."""

import threading

import pytest

from app.rooms.presence import STALE_AFTER, Presence, RedisPresence

from .support import services


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    try:
        server = services.redis_server(tmp_path_factory.mktemp("redis"))
    except RuntimeError as error:
        pytest.skip(str(error))
    yield f"redis://127.0.0.1:{server.port}/0"
    server.stop()


@pytest.fixture(params=["memory", "redis"])
def presence(request):
    store = Presence() if request.param == "memory" else RedisPresence(request.getfixturevalue("redis_url"))
    store.clear()
    yield store
    store.clear()


def person(pid):
    return {"id": pid, "name": pid.title(), "host": False, "sid": f"sid-{pid}"}


def test_join_up_to_capacity(presence):
    """Are people admitted up to the capacity and the next one refused, the first marked as starting it?"""
    results = [presence.join(7, person(f"p{i}"), capacity=4) for i in range(5)]
    assert [joined for joined, _, _ in results] == [True, True, True, True, False]
    assert [started for _, _, started in results] == [True, False, False, False, False]
    assert len(presence.members(7)) == 4


def test_rejoining_does_not_count_twice(presence):
    """Does the same participant joining again (a reconnect) keep their one place?"""
    for _ in range(3):
        presence.join(7, person("ann"), capacity=1)
    assert [p["id"] for p in presence.members(7)] == ["ann"]


def test_concurrent_joins_never_exceed_capacity(presence):
    """With many joins at once, are exactly `capacity` admitted?"""
    admitted = []
    barrier = threading.Barrier(12)

    def join(index):
        barrier.wait()
        joined, _, _ = presence.join(9, person(f"c{index}"), capacity=4)
        if joined:
            admitted.append(index)

    threads = [threading.Thread(target=join, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(admitted) == 4 and len(presence.members(9)) == 4


def test_last_one_out_ends_the_meeting_with_its_peak(presence):
    """Does the meeting end when the last person leaves, reporting its peak size?"""
    for pid in ("a", "b", "c"):
        presence.join(3, person(pid), capacity=4)
    presence.leave(3, "c")
    removed, ended = presence.leave(3, "b")
    assert removed["id"] == "b" and ended is None
    removed, ended = presence.leave(3, "a")
    assert ended["peak"] == 3 and ended["started_at"] > 0
    assert presence.leave(3, "a") == (None, None)


def test_stale_entries_fade_out(presence):
    """Does a participant whose worker died (no presence pings) stop holding a place?"""
    presence.join(5, person("ghost"), capacity=1, now=1000.0)
    joined, members, _ = presence.join(5, person("real"), capacity=1, now=1000.0 + STALE_AFTER + 1)
    assert joined and [m["id"] for m in members] == ["real"]


def test_update_knocks_and_admission(presence):
    """Do media updates, knocks and admissions round-trip?"""
    presence.join(4, person("ann"), capacity=4)
    assert presence.update(4, "ann", muted=True)["muted"] is True
    assert presence.get(4, "ann")["muted"] is True
    assert presence.update(4, "nobody", muted=True) is None
    presence.add_knock(4, {"id": "vic", "name": "Vic", "sid": "s"})
    assert [k["name"] for k in presence.knocks(4)] == ["Vic"]
    assert presence.pop_knock(4, "vic")["id"] == "vic" and presence.knocks(4) == []
    assert not presence.is_admitted(4, "vic")
    presence.admit(4, "vic")
    assert presence.is_admitted(4, "vic")
