"""Presence with capacity, the same behaviour in memory (one worker) and in Redis (several workers)."""

import threading

import pytest

from app.rooms.presence import STALE_AFTER, Presence
from app.rooms.presence_redis import RedisPresence


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
    assert [r.joined for r in results] == [True, True, True, True, False]
    assert [r.started for r in results] == [True, False, False, False, False]
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
        if presence.join(9, person(f"c{index}"), capacity=4).joined:
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
    outcome = presence.join(5, person("real"), capacity=1, now=1000.0 + STALE_AFTER + 1)
    assert outcome.joined and [m["id"] for m in outcome.members] == ["real"]
    assert [m["id"] for m in outcome.stale] == ["ghost"]


def test_purge_reports_whom_it_removed_and_ends_an_empty_meeting(presence):
    """Does purging stale entries say who went (to announce them) and end a meeting left empty?"""
    presence.join(6, person("ann"), capacity=4, now=1000.0)
    presence.join(6, person("bob"), capacity=4, now=1000.0 + STALE_AFTER)
    removed, ended = presence.purge_stale(6, now=1000.0 + STALE_AFTER + 1)
    assert [m["id"] for m in removed] == ["ann"] and ended is None
    removed, ended = presence.purge_stale(6, now=1000.0 + 2 * STALE_AFTER + 2)
    assert [m["id"] for m in removed] == ["bob"] and ended["peak"] == 2


def test_one_socket_speaks_for_a_participant(presence):
    """Does a second socket for one participant replace the first, and only the current one release it?"""
    assert presence.claim_socket(2, "ann", "s1") is None
    assert presence.claim_socket(2, "ann", "s2") == "s1"
    assert presence.socket_of(2, "ann") == "s2"
    assert not presence.release_socket(2, "ann", "s1")
    assert presence.release_socket(2, "ann", "s2") and presence.socket_of(2, "ann") is None


def test_leave_by_an_old_socket_leaves_the_new_one_in(presence):
    """Can a replaced socket's late disconnect remove the participant it no longer speaks for?"""
    presence.join(8, dict(person("ann"), sid="new"), capacity=4)
    assert presence.leave(8, "ann", sid="old") == (None, None)
    assert presence.get(8, "ann")["sid"] == "new"


def test_kicks_last_for_the_meeting_only(presence):
    """Is a removed person remembered, their admission withdrawn, and both forgotten when the meeting ends?"""
    presence.join(1, person("host"), capacity=4)
    presence.admit(1, "vic")
    presence.kick(1, ["p:vic", "v:browser"])
    assert presence.is_kicked(1, ["v:browser", "u:9"]) and not presence.is_admitted(1, "vic")
    assert not presence.is_kicked(1, ["u:9"])
    presence.leave(1, "host")
    assert not presence.is_kicked(1, ["v:browser"])


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


def test_cohosts_last_for_the_meeting_only(presence):
    """Is a co-host remembered until demoted, and forgotten when the meeting ends?"""
    presence.join(3, person("host"), capacity=4)
    presence.join(3, person("gina"), capacity=4)
    presence.add_cohost(3, "gina")
    assert presence.is_cohost(3, "gina") and not presence.is_cohost(3, "host")
    presence.remove_cohost(3, "gina")
    assert not presence.is_cohost(3, "gina")
    presence.add_cohost(3, "gina")
    presence.leave(3, "host")
    presence.leave(3, "gina")
    assert not presence.is_cohost(3, "gina")


def test_a_throttled_notice_is_claimed_once_per_interval(presence):
    """Does only the first of several workers get to send a throttled notice?"""
    assert presence.claim_notice("knock:1", 600)
    assert not presence.claim_notice("knock:1", 600)
    assert presence.claim_notice("knock:2", 600)


def test_occupancy_counts_people_per_room_and_skips_the_stale(presence):
    """Does occupancy give each room's head count (for the staff console), leaving out pings that stopped?"""
    presence.join(7, person("a"), capacity=4)
    presence.join(7, person("b"), capacity=4)
    presence.join(8, person("c"), capacity=4, now=1000.0)  # its pings stopped long ago
    assert presence.occupancy() == {7: 2}


def test_hand_raised_and_lowered_reads_back(presence):
    """Does a raised hand (a field set, then cleared to null) read back the same in memory and in Redis?"""
    presence.join(9, person("ann"), capacity=4)
    presence.update(9, "ann", hand=12.5)
    assert presence.get(9, "ann")["hand"] == 12.5
    presence.update(9, "ann", hand=None)
    assert not presence.members(9)[0]["hand"]
