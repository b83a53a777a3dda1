"""In the meeting: raised hands, reactions and the spotlight, tried with raw sockets (attacks included)."""

import pytest

from .support.sockets import events, join, received

pytestmark = pytest.mark.socketio


@pytest.fixture
def host(auth, room, connect):
    auth.login("host@example.com")
    socket = connect(auth.client)
    assert join(socket, "Host")["host"] is True
    return socket


@pytest.fixture
def trio(connect, host):
    """The host and two guests in the meeting: (host, first guest, second guest, their ids)."""
    ann, bob = connect(), connect()
    ids = {"ann": join(ann, "Ann")["self"], "bob": join(bob, "Bob")["self"]}
    for socket in (host, ann, bob):
        socket.get_received()
    return host, ann, bob, ids


# -- raised hands


def test_hand_queue_keeps_the_order_hands_went_up(trio):
    """Does a third person see the hand queue in the order hands were raised?"""
    host, ann, bob, ids = trio
    bob.emit("raise-hand", {}, callback=True)
    ann.emit("raise-hand", {}, callback=True)
    latest = events(host, "hands")[-1]
    assert [person["id"] for person in latest["queue"]] == [ids["bob"], ids["ann"]]
    assert latest["raised"] is True and latest["name"] == "Ann"


def test_raising_twice_keeps_the_place_in_the_queue(trio):
    """Does raising a hand that is already up keep its place instead of moving to the back?"""
    host, ann, bob, ids = trio
    ann.emit("raise-hand", {}, callback=True)
    bob.emit("raise-hand", {}, callback=True)
    answer = ann.emit("raise-hand", {}, callback=True)
    assert [person["id"] for person in answer["queue"]] == [ids["ann"], ids["bob"]]


def test_raiser_lowers_their_own_hand(trio):
    """Can the raiser lower their own hand, announced to everyone?"""
    host, ann, bob, ids = trio
    ann.emit("raise-hand", {}, callback=True)
    assert ann.emit("lower-hand", {}, callback=True)["queue"] == []
    lowered = events(bob, "hands")[-1]
    assert lowered == {"id": ids["ann"], "name": "Ann", "raised": False, "by": None, "queue": []}


def test_host_lowers_anyones_hand(trio):
    """Can a host lower a guest's hand, and is everyone told who did it?"""
    host, ann, bob, ids = trio
    ann.emit("raise-hand", {}, callback=True)
    assert host.emit("lower-hand", {"id": ids["ann"]}, callback=True)["status"] == "lowered"
    lowered = events(bob, "hands")[-1]
    assert lowered["raised"] is False and lowered["by"] == "Host" and lowered["queue"] == []


def test_cohost_lowers_anyones_hand(trio):
    """Can a co-host lower someone else's hand?"""
    host, ann, bob, ids = trio
    host.emit("promote", {"id": ids["ann"]}, callback=True)
    bob.emit("raise-hand", {}, callback=True)
    assert ann.emit("lower-hand", {"id": ids["bob"]}, callback=True)["queue"] == []


def test_guest_cannot_lower_someone_elses_hand(trio):
    """Is a guest who tries to lower another guest's hand refused, the queue untouched and nobody told?"""
    host, ann, bob, ids = trio
    bob.emit("raise-hand", {}, callback=True)
    host.get_received()
    answer = ann.emit("lower-hand", {"id": ids["bob"]}, callback=True)
    assert "Only the room's host" in answer["error"]
    assert events(host, "hands") == []
    assert [p["id"] for p in ann.emit("raise-hand", {}, callback=True)["queue"]] == [ids["bob"], ids["ann"]]


def test_hand_of_someone_who_left_leaves_the_queue(trio):
    """When someone with a raised hand leaves, does a newcomer see a queue without them?"""
    host, ann, bob, ids = trio
    ann.emit("raise-hand", {}, callback=True)
    bob.emit("raise-hand", {}, callback=True)
    ann.emit("leave", {}, callback=True)
    assert [p["id"] for p in host.emit("raise-hand", {}, callback=True)["queue"]][0] == ids["bob"]


def test_newcomer_sees_the_hand_queue(connect, trio):
    """Does someone joining later get the current queue in their join answer?"""
    host, ann, bob, ids = trio
    bob.emit("raise-hand", {}, callback=True)
    assert join(connect(), "Late")["hands"] == [{"id": ids["bob"], "name": "Bob"}]


def test_knocker_hears_no_hands(app, connect, trio):
    """Is someone knocking at a locked room (not in the meeting) kept out of hands and reactions?"""
    host, ann, bob, ids = trio
    host.emit("lock", {"locked": True}, callback=True)
    knocker = connect()
    join(knocker, "Kim")
    knocker.emit("knock", {"name": "Kim"}, callback=True)
    assert "Join the meeting first" in knocker.emit("raise-hand", {}, callback=True)["error"]
    ann.emit("raise-hand", {}, callback=True)
    ann.emit("reaction", {"emoji": "👍"}, callback=True)
    names = {m["name"] for m in knocker.get_received()}
    assert not names & {"hands", "reaction"}


# -- reactions


def test_reaction_reaches_the_others(trio):
    """Does a reaction reach everyone else, naming its sender, and not echo back?"""
    host, ann, bob, ids = trio
    assert ann.emit("reaction", {"emoji": "🎉"}, callback=True) == {"status": "sent"}
    assert events(bob, "reaction") == [{"id": ids["ann"], "emoji": "🎉"}]
    assert events(ann, "reaction") == []


def test_reaction_must_be_one_offered(trio):
    """Is free text posing as a reaction refused, and nothing relayed?"""
    host, ann, bob, ids = trio
    assert "not offered" in ann.emit("reaction", {"emoji": "hi"}, callback=True)["error"]
    assert "Unknown reaction" in ann.emit("reaction", {"emoji": "x" * 500}, callback=True)["error"]
    assert events(bob, "reaction") == []


def test_reaction_flood_is_rate_limited(trio):
    """Does a burst of reactions get cut off by the rate limit?"""
    host, ann, bob, ids = trio
    answers = [ann.emit("reaction", {"emoji": "👍"}, callback=True) for _ in range(10)]
    assert any("Too many" in answer.get("error", "") for answer in answers)
    assert len(events(bob, "reaction")) < 10


# -- spotlight


def test_host_spotlights_for_everyone(trio):
    """Does a host's spotlight reach everyone, and does a newcomer learn it on joining?"""
    host, ann, bob, ids = trio
    assert host.emit("spotlight", {"id": ids["ann"]}, callback=True) == {"status": "ok", "id": ids["ann"]}
    assert events(bob, "spotlight") == [{"id": ids["ann"], "by": "Host"}]


def test_newcomer_learns_the_spotlight(connect, trio):
    """Does someone joining after a spotlight get it in their join answer, and nothing once cleared?"""
    host, ann, bob, ids = trio
    host.emit("spotlight", {"id": ids["bob"]}, callback=True)
    late = connect()
    assert join(late, "Late")["spotlight"] == ids["bob"]
    late.emit("leave", {}, callback=True)
    host.emit("spotlight", {}, callback=True)
    assert events(ann, "spotlight")[-1] == {"id": None, "by": "Host"}
    assert join(connect(), "Later")["spotlight"] is None


def test_spotlight_moves_rather_than_adds(connect, trio):
    """Is only one participant spotlit at a time?"""
    host, ann, bob, ids = trio
    host.emit("spotlight", {"id": ids["ann"]}, callback=True)
    host.emit("spotlight", {"id": ids["bob"]}, callback=True)
    assert join(connect(), "Late")["spotlight"] == ids["bob"]


def test_guest_cannot_spotlight(trio):
    """Is a guest who tries to spotlight themselves refused, with nobody told?"""
    host, ann, bob, ids = trio
    assert "Only the room's host" in ann.emit("spotlight", {"id": ids["ann"]}, callback=True)["error"]
    assert "Only the room's host" in ann.emit("spotlight", {}, callback=True)["error"]
    assert events(bob, "spotlight") == [] and events(host, "spotlight") == []


def test_spotlight_of_a_stranger_is_refused(trio):
    """Can a host not spotlight an id that is not in the meeting?"""
    host, ann, bob, ids = trio
    assert "not in the meeting" in host.emit("spotlight", {"id": "nobody"}, callback=True)["error"]


# -- the host powers a guest goes for, written as the attack


@pytest.mark.parametrize(
    "event,payload",
    [
        ("promote", {"id": "{victim}"}),
        ("mute", {"id": "{victim}"}),
        ("stop-camera", {"id": "{victim}"}),
        ("spotlight", {"id": "{victim}"}),
        ("lower-hand", {"id": "{victim}"}),
        ("mute-all", {}),
    ],
)
def test_guest_cannot_take_host_actions(trio, event, payload):
    """Does a guest trying a host action on another guest get refused, with nothing reaching anyone?"""
    host, ann, bob, ids = trio
    bob.emit("raise-hand", {}, callback=True)
    for socket in (host, bob):
        socket.get_received()
    data = {key: value.format(victim=ids["bob"]) for key, value in payload.items()}
    assert "Only the room's host" in ann.emit(event, data, callback=True)["error"]
    assert received(bob, "host-muted") == [] and events(bob, "role") == [] and events(bob, "spotlight") == []
    assert [m["name"] for m in host.get_received()] == []


# -- the node grant


def test_cohost_gets_the_host_role_on_the_node(app, connect, host, monkeypatch):
    """Does a co-host's join token for the room's node carry the host role, not guest?"""
    captured = {}

    def fake_grant(room, **grant):
        captured.update(grant)
        return {"url": "ws://node.example/ws", "token": "t", "node": "a", "region": "eu-north"}

    monkeypatch.setattr("app.rooms.meetings.join_token_for", fake_grant)
    monkeypatch.setattr("app.rooms.modes.may_use_node", lambda room: True)
    guest = connect()
    guest_id = join(guest, "Gina")["self"]
    guest.emit("sfu", {}, callback=True)
    assert captured["role"] == "guest"
    host.emit("promote", {"id": guest_id}, callback=True)
    guest.emit("sfu", {}, callback=True)
    assert captured["role"] == "host"


# -- screen sharing


def test_screen_stream_reaches_the_others(trio):
    """Does a sharer's screen stream id reach the others, and is it forgotten once sharing stops?"""
    host, ann, bob, ids = trio
    stream = "{0b6f1c2e-5a4d-4a53-9b1e-2f0d4c1a7e11}"
    ann.emit("media", {"muted": False, "camera": True, "screen": True, "screen_stream": stream}, callback=True)
    assert events(bob, "peer-media")[-1]["screen_stream"] == stream
    ann.emit("media", {"muted": False, "camera": True, "screen": False, "screen_stream": stream}, callback=True)
    assert events(bob, "peer-media")[-1]["screen_stream"] is None


def test_screen_stream_id_must_look_like_one(trio):
    """Is markup posing as a stream id refused?"""
    host, ann, bob, ids = trio
    answer = ann.emit(
        "media", {"muted": False, "camera": True, "screen": True, "screen_stream": "<img>"}, callback=True
    )
    assert "Unknown stream" in answer["error"] and events(bob, "peer-media") == []
