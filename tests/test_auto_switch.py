"""Auto rooms over Socket.IO: the move to the node at the fifth join and back after the quiet spell.

Every test runs with presence in memory and in Redis, the way one worker and several see it.
"""

from datetime import timedelta

import pytest

from app.auth.models import User
from app.extensions import db
from app.nodes.models import SfuNode
from app.plans import AUTO, AUTO_BACK_AFTER_SECONDS, AUTO_BACK_AT, AUTO_TO_NODE_AT, SMALL, VIA_NODE, VIA_PEERS
from app.rooms.models import Room
from app.timeutil import utcnow

from .support.sockets import events, join

pytestmark = pytest.mark.socketio


@pytest.fixture
def auto_room(app, make_user, store, clock):
    """Replaces the shared ``room`` fixture's small room with a Pro owner's auto room and a live node."""
    with app.app_context():
        owner = db.session.get(User, make_user("pro@example.com", plan="pro"))
        db.session.add(Room(name="meet-here", owner=owner, mode=AUTO))
        db.session.add(
            SfuNode(
                id="node-a",
                region="eu-north",
                public_url="http://node-a.example:8000",
                capacity=48,
                state="serving",
                last_heartbeat_at=utcnow(),
                registered_at=utcnow(),
            )
        )
        db.session.commit()
    return "meet-here"


@pytest.fixture
def room(auto_room):
    return auto_room


def transports(socket):
    return events(socket, "transport")


def meeting_of(connect, count):
    sockets = [connect() for _ in range(count)]
    answers = [join(socket, f"P{index}") for index, socket in enumerate(sockets)]
    return sockets, answers


def ping(socket):
    return socket.emit("presence", {}, callback=True)


def test_small_meeting_stays_peer_to_peer(connect):
    """With as many people as a mesh holds, does an auto meeting stay peer-to-peer and keep node grants shut?"""
    sockets, answers = meeting_of(connect, AUTO_TO_NODE_AT - 1)
    assert {a["transport"]["via"] for a in answers} == {VIA_PEERS}
    assert all(transports(s) == [] for s in sockets)
    assert "peer-to-peer now" in sockets[0].emit("sfu", {}, callback=True)["error"]


def test_fifth_join_moves_everyone_to_the_node(connect):
    """Does the join that outgrows the mesh tell everyone, the joiner included, to use the node in its region?"""
    sockets, answers = meeting_of(connect, AUTO_TO_NODE_AT)
    assert answers[-1]["transport"] == {"via": VIA_NODE, "region": "Stockholm"}
    for socket in sockets:
        assert transports(socket) == [{"via": VIA_NODE, "region": "Stockholm"}]
    grant = sockets[0].emit("sfu", {}, callback=True)
    assert grant["url"] == "ws://node-a.example:8000/ws" and grant["region_label"] == "Stockholm"


def test_back_to_peers_after_the_quiet_spell(connect, clock):
    """Once 3 or fewer have stayed for the whole wait, does the meeting move back, and not a second earlier?"""
    sockets, _ = meeting_of(connect, AUTO_TO_NODE_AT)
    for socket in sockets[AUTO_BACK_AT:]:
        socket.emit("leave", {}, callback=True)
    stayers = sockets[:AUTO_BACK_AT]
    [transports(s) for s in stayers]  # drop the move to the node
    clock.advance(timedelta(seconds=AUTO_BACK_AFTER_SECONDS - 1))
    ping(stayers[0])
    assert transports(stayers[0]) == []
    clock.advance(timedelta(seconds=1))
    ping(stayers[1])
    for socket in stayers:
        assert transports(socket) == [{"via": VIA_PEERS, "region": None}]
    assert "peer-to-peer now" in stayers[0].emit("sfu", {}, callback=True)["error"]


def test_four_stay_on_the_node(connect, clock):
    """Does a meeting that shrinks to four stay on the node however long it lasts (hysteresis)?"""
    sockets, _ = meeting_of(connect, AUTO_TO_NODE_AT)
    sockets[-1].emit("leave", {}, callback=True)
    [transports(s) for s in sockets]
    for _ in range(3):
        clock.advance(timedelta(seconds=AUTO_BACK_AFTER_SECONDS))
        ping(sockets[0])
    assert transports(sockets[0]) == []
    assert join(connect(), "Newcomer")["transport"]["via"] == VIA_NODE


def test_growing_again_restarts_the_wait(connect, clock):
    """If a fourth person comes back during the wait, does the wait start over when they go?"""
    sockets, _ = meeting_of(connect, AUTO_TO_NODE_AT)
    for socket in sockets[AUTO_BACK_AT:]:
        socket.emit("leave", {}, callback=True)
    clock.advance(timedelta(seconds=AUTO_BACK_AFTER_SECONDS - 5))
    returning = connect()
    join(returning, "Back again")
    returning.emit("leave", {}, callback=True)
    [transports(s) for s in sockets[:AUTO_BACK_AT]]
    clock.advance(timedelta(seconds=10))
    ping(sockets[0])
    assert transports(sockets[0]) == []
    clock.advance(timedelta(seconds=AUTO_BACK_AFTER_SECONDS))
    ping(sockets[0])
    assert transports(sockets[0]) == [{"via": VIA_PEERS, "region": None}]


def test_a_guest_cannot_force_the_node(connect):
    """Can a guest in a small auto meeting get a node grant, or announce a move, by asking?"""
    sockets, _ = meeting_of(connect, 2)
    attacker = sockets[1]
    assert "peer-to-peer now" in attacker.emit("sfu", {"reconnect": True}, callback=True)["error"]
    attacker.emit("transport", {"via": VIA_NODE, "region": "Stockholm"})
    assert transports(sockets[0]) == []
    assert join(connect(), "Third")["transport"]["via"] == VIA_PEERS


def test_a_guest_cannot_hold_the_meeting_on_the_node(connect, clock):
    """Does pinging from a guest keep a shrunken meeting on the node? (It must not.)"""
    sockets, _ = meeting_of(connect, AUTO_TO_NODE_AT)
    for socket in sockets[2:]:
        socket.emit("leave", {}, callback=True)
    guest = sockets[1]
    for _ in range(AUTO_BACK_AFTER_SECONDS // 10 + 1):
        clock.advance(timedelta(seconds=10))
        ping(guest)
        guest.emit("sfu", {}, callback=True)
    assert transports(sockets[0])[-1] == {"via": VIA_PEERS, "region": None}


def test_a_new_meeting_starts_peer_to_peer(connect):
    """After a meeting on the node ends, does the next one in the room start peer-to-peer?"""
    sockets, _ = meeting_of(connect, AUTO_TO_NODE_AT)
    for socket in sockets:
        socket.emit("leave", {}, callback=True)
    assert join(connect(), "Next day")["transport"]["via"] == VIA_PEERS


def test_free_owner_auto_room_is_small(app, connect):
    """Does an auto room whose owner went back to Free hold small peer-to-peer meetings?"""
    with app.app_context():
        db.session.execute(db.update(User).values(plan="free"))
        db.session.commit()
    sockets, answers = meeting_of(connect, AUTO_TO_NODE_AT)
    assert answers[0]["mode"] == SMALL and answers[0]["transport"]["via"] == VIA_PEERS
    assert answers[-1]["status"] == "full"
