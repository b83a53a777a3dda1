"""Breakout groups over Socket.IO: opening, moving, broadcasting, closing, and the attacks on them.

Every test runs with presence in memory and in Redis, the way one worker and several see it.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.nodes.models import SfuNode
from app.nodes.services import node_key
from app.plans import AUTO, LARGE, VIA_NODE, VIA_PEERS
from app.rooms import breakout
from app.rooms.models import Room
from app.timeutil import utcnow
from sfu_node.protocol import read_join_token

from .support.sockets import PUBLIC_KEY, heard, join, ticket_for

pytestmark = pytest.mark.socketio


@pytest.fixture
def pro_room(app, room):
    """The shared room with a Pro owner, in auto mode: five people fit, and small groups meet peer-to-peer."""
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "host@example.com"))
        owner.plan = "pro"
        db.session.execute(sa.update(Room).values(mode=AUTO))
        db.session.commit()
    return room


@pytest.fixture
def host(auth, pro_room, connect, store, clock):
    auth.login("host@example.com")
    socket = connect(auth.client)
    assert join(socket, "Host")["host"] is True
    return socket


@pytest.fixture
def guests(connect, host):
    """Four guests in the meeting with the host: {name: (socket, participant id)}."""
    people = {}
    for name in ("Ann", "Bob", "Cat", "Dan"):
        socket = connect()
        people[name] = (socket, join(socket, name)["self"])
    return people


def latest(socket, event="breakout"):
    return heard(socket, event)[-1]


def split(host, guests, plan, **extra):
    """Open groups by hand: ``plan`` maps guest names to group numbers."""
    assignments = {guests[name][1]: number for name, number in plan.items()}
    count = max(plan.values())
    return host.emit("breakout-open", dict({"count": count, "assignments": assignments}, **extra), callback=True)


def ids(view):
    return sorted(p["id"] for p in view["participants"])


PAIRS = {"Ann": 1, "Bob": 1, "Cat": 2, "Dan": 2}


def test_random_groups_place_everyone_but_the_host(host, guests):
    """Do random groups split four guests two by two, keep the host in the main room, and tell the host who is where?"""
    assert host.emit("breakout-open", {"count": 2}, callback=True) == {"status": "open", "count": 2}
    groups = {name: latest(socket)["group"] for name, (socket, _) in guests.items()}
    assert sorted(groups.values()) == ["g1", "g1", "g2", "g2"]
    for name, (socket, _) in guests.items():
        view = latest(socket)
        partner = [guests[n][1] for n in guests if n != name and groups[n] == groups[name]]
        assert view["open"] and ids(view) == partner and view["moved"] is True
        assert "roster" not in view  # who is where is the hosts' business
    hosts_view = latest(host)
    assert hosts_view["group"] is None and hosts_view["participants"] == []
    assert {p["name"]: p["group"] for p in hosts_view["roster"] if p["name"] != "Host"} == groups


def test_groups_by_hand(host, guests):
    """Does each guest land in the group the host picked, with their partner as the only other person?"""
    split(host, guests, PAIRS)
    ann, bob, cat, dan = (guests[n][1] for n in ("Ann", "Bob", "Cat", "Dan"))
    assert latest(guests["Ann"][0])["group"] == "g1" and ids(latest(guests["Ann"][0])) == [bob]
    assert latest(guests["Dan"][0])["group"] == "g2" and ids(latest(guests["Dan"][0])) == [cat]
    assert latest(guests["Cat"][0])["transport"] == {"via": VIA_PEERS, "region": None}


def test_a_guest_cannot_open_move_close_or_broadcast(host, guests):
    """Is every breakout power refused to a guest, and does nothing change?"""
    mallory, _ = guests["Ann"]
    attempts = [
        ("breakout-open", {"count": 2}),
        ("breakout-move", {"id": guests["Bob"][1], "group": 1}),
        ("breakout-close", {}),
        ("breakout-broadcast", {"text": "everyone to group 1"}),
    ]
    for event, payload in attempts:
        assert "Only the room's host" in mallory.emit(event, payload, callback=True)["error"]
    assert heard(guests["Bob"][0], "breakout") == [] and heard(guests["Bob"][0], "breakout-message") == []


def test_a_guest_cannot_move_people_once_groups_are_open(host, guests):
    """With groups open, can a guest move themselves into another group or close the groups? (No.)"""
    split(host, guests, PAIRS)
    mallory, mallory_id = guests["Ann"]
    escape = mallory.emit("breakout-move", {"id": mallory_id, "group": 2}, callback=True)
    assert "Only the room's host" in escape["error"]
    assert "Only the room's host" in mallory.emit("breakout-close", {}, callback=True)["error"]
    assert latest(mallory)["group"] == "g1" and latest(guests["Cat"][0])["closing_in"] is None


def test_a_second_socket_on_a_hosts_ticket_cannot_open_groups(auth, connect, host, guests):
    """Can a second socket on a host's ticket open groups before it joined, or the socket it replaced after? (No.)"""
    ticket = ticket_for(auth.client)
    first = connect(auth.client, ticket)
    assert join(first, "Host's laptop")["host"] is True
    second = connect(auth.client, ticket)
    assert second.emit("breakout-open", {"count": 2}, callback=True)["error"] == "Join the meeting first."
    assert not first.is_connected()
    assert heard(guests["Ann"][0], "breakout") == []


def test_people_waiting_in_the_lobby_cannot_be_placed(app, host, guests, connect):
    """Can a host put someone still knocking into a group? (Only admitted participants are placed.)"""
    with app.app_context():
        db.session.execute(sa.update(Room).values(locked=True))
        db.session.commit()
    visitor = connect()
    assert visitor.emit("knock", {"name": "Vic"}, callback=True)["status"] == "waiting"
    knocker = heard(host, "knock")[-1]["id"]
    answer = host.emit("breakout-open", {"count": 2, "assignments": {knocker: 1}}, callback=True)
    assert answer["error"] == "That participant is not in the meeting."
    assert heard(visitor, "breakout") == [] and heard(guests["Ann"][0], "breakout") == []


def test_signals_do_not_cross_groups(host, guests):
    """Can someone in group 1 send an offer to someone in group 2? (Only to their own partner.)"""
    split(host, guests, PAIRS)
    ann, _ = guests["Ann"]
    offer = {"type": "offer", "sdp": "v=0"}
    refused = ann.emit("signal", {"to": guests["Cat"][1], "description": offer}, callback=True)
    assert refused["error"] == "That participant is in another breakout group."
    assert ann.emit("signal", {"to": guests["Bob"][1], "description": offer}, callback=True) == {"status": "sent"}
    assert heard(guests["Cat"][0], "signal") == [] and len(heard(guests["Bob"][0], "signal")) == 1


def test_media_keys_do_not_cross_groups(host, guests):
    """Can someone hand their media key to (or fish for one from) another group? (No key crosses.)"""
    split(host, guests, PAIRS)
    sealed = {"index": 1, "iv": "A" * 16, "key": "B" * 64}
    refused = guests["Ann"][0].emit("media-key", dict(sealed, to=guests["Dan"][1]), callback=True)
    assert refused["error"] == "That participant is in another breakout group."
    # The host, in the main room, cannot either.
    assert host.emit("media-key", dict(sealed, to=guests["Dan"][1]), callback=True)["error"]
    assert heard(guests["Dan"][0], "media-key") == []


def test_chat_stays_in_its_group(host, guests):
    """Does a chat line in group 1 reach group 1 only?"""
    split(host, guests, PAIRS)
    guests["Ann"][0].emit("chat", {"text": "just us"}, callback=True)
    assert [c["text"] for c in heard(guests["Bob"][0], "chat")] == ["just us"]
    assert heard(guests["Cat"][0], "chat") == [] and heard(host, "chat") == []


def test_broadcast_reaches_every_group(host, guests):
    """Does the host's message reach everyone in every group?"""
    split(host, guests, PAIRS)
    assert host.emit("breakout-broadcast", {"text": "Five minutes left"}, callback=True) == {"status": "sent"}
    for socket, _ in guests.values():
        assert [m["text"] for m in heard(socket, "breakout-message")] == ["Five minutes left"]


def test_host_moves_someone_and_joins_a_group(host, guests):
    """Can the host move a guest to the other group, then join a group themselves (and see only its people)?"""
    split(host, guests, PAIRS)
    ann, bob, cat, dan = (guests[n][1] for n in ("Ann", "Bob", "Cat", "Dan"))
    assert host.emit("breakout-move", {"id": ann, "group": 2}, callback=True) == {"status": "moved", "group": "g2"}
    assert ids(latest(guests["Ann"][0])) == sorted([cat, dan]) and latest(guests["Ann"][0])["moved"] is True
    assert ids(latest(guests["Bob"][0])) == [] and latest(guests["Bob"][0])["moved"] is False
    [me] = [p["id"] for p in latest(host)["roster"] if p["name"] == "Host"]
    host.emit("breakout-move", {"id": me, "group": 1}, callback=True)
    assert latest(host)["group"] == "g1" and ids(latest(host)) == [bob]


def test_a_joiner_goes_to_the_main_room_and_can_be_moved(host, guests, connect):
    """Does someone who joins while groups are open start in the main room, seeing only its people, until moved?"""
    split(host, guests, PAIRS)
    late = connect()
    answer = join(late, "Lou")
    assert answer["breakout"]["group"] is None and answer["breakout"]["open"] is True
    assert [p["name"] for p in answer["participants"]] == ["Host"]
    host.emit("breakout-move", {"id": answer["self"], "group": 2}, callback=True)
    assert latest(late)["group"] == "g2" and len(latest(late)["participants"]) == 2


def test_a_removed_participant_leaves_their_group(host, guests):
    """When the host removes someone in a group, are they gone from the roster and their partner told?"""
    split(host, guests, PAIRS)
    bob = guests["Bob"][1]
    assert host.emit("kick", {"id": bob}, callback=True) == {"status": "removed"}
    assert [p["id"] for p in heard(guests["Ann"][0], "peer-left")] == [bob]
    host.emit("breakout-move", {"id": guests["Ann"][1], "group": 2}, callback=True)
    assert bob not in [p["id"] for p in latest(host)["roster"]]


def test_a_reconnect_keeps_its_group(app, host, guests, connect):
    """Does someone whose connection dropped come back into their own group, not the main room?"""
    browser = app.test_client()
    ticket = ticket_for(browser)
    first = connect(browser, ticket)
    me = join(first, "Eve")["self"]
    host.emit("breakout-open", {"count": 2, "assignments": {me: 2}}, callback=True)
    again = connect(browser, ticket)
    answer = again.emit("join", {"name": "Eve", "key": PUBLIC_KEY}, callback=True)
    assert answer["breakout"]["group"] == "g2"


def test_closing_warns_then_brings_everyone_back(host, guests, clock):
    """Does closing warn everyone 30 s ahead, keep the groups until then, then show everyone all the others again?"""
    split(host, guests, PAIRS)
    assert host.emit("breakout-close", {}, callback=True) == {"status": "closing", "closing_in": 30}
    ann, _ = guests["Ann"]
    assert latest(ann)["reason"] == "closing" and latest(ann)["closing_in"] == 30 and latest(ann)["group"] == "g1"
    clock.advance(timedelta(seconds=29))
    ann.emit("presence", {}, callback=True)
    assert latest(ann)["reason"] == "closing"
    clock.advance(timedelta(seconds=2))
    ann.emit("presence", {}, callback=True)
    for socket, _ in guests.values():
        view = latest(socket)
        assert view["reason"] == "closed" and view["open"] is False and view["group"] is None
        assert len(view["participants"]) == 4  # the host and the three other guests
    offer = {"type": "offer", "sdp": "v=0"}
    assert ann.emit("signal", {"to": guests["Dan"][1], "description": offer}, callback=True) == {"status": "sent"}


def test_the_timer_starts_the_warning(host, guests, clock):
    """When a group timer runs out, does everyone get the closing warning?"""
    split(host, guests, PAIRS, minutes=1)
    assert latest(guests["Cat"][0])["ends_in"] == 60
    clock.advance(timedelta(seconds=61))
    guests["Cat"][0].emit("presence", {}, callback=True)
    assert latest(guests["Dan"][0])["reason"] == "closing" and latest(guests["Dan"][0])["closing_in"] == 30


def test_groups_cannot_open_twice_or_with_a_silly_count(host, guests):
    """Are a second opening, one group, or a group number beyond the count refused?"""
    assert "between 2" in host.emit("breakout-open", {"count": 1}, callback=True)["error"]
    beyond = {"count": 2, "assignments": {guests["Ann"][1]: 3}}
    assert host.emit("breakout-open", beyond, callback=True)["error"] == "There are only 2 groups."
    split(host, guests, PAIRS)
    assert "already open" in host.emit("breakout-open", {"count": 2}, callback=True)["error"]


@pytest.fixture
def large_room(app, pro_room):
    """The Pro room made a large room, with a live node."""
    with app.app_context():
        db.session.execute(sa.update(Room).values(mode=LARGE))
        now = utcnow()
        node = SfuNode(id="node-a", region="eu-north", public_url="http://node-a.example:8000", capacity=48)
        node.state = "serving"
        node.last_heartbeat_at = node.registered_at = now
        db.session.add(node)
        db.session.commit()
    return pro_room


def token_room(app, grant):
    with app.app_context():
        return read_join_token(node_key("node-a"), grant["token"], node="node-a")["room"]


def test_a_group_meets_under_its_own_name_on_the_node(app, large_room, host, guests):
    """In a large room, does a group member's node token name their group only, and the main room's name the room?"""
    split(host, guests, PAIRS)
    assert latest(guests["Ann"][0])["transport"]["via"] == VIA_NODE
    grant = guests["Ann"][0].emit("sfu", {}, callback=True)
    main = host.emit("sfu", {}, callback=True)
    assert token_room(app, grant).endswith(":g1") and ":" not in token_room(app, main)


def test_moving_revokes_the_grant_on_the_group_left(app, large_room, host, guests, monkeypatch):
    """Does a move out of a group drop the person from that group on the node, so its media stops?"""
    calls = []
    monkeypatch.setattr(breakout, "revoke_node_grant", lambda room, pid, ban, scope=None: calls.append((pid, scope)))
    split(host, guests, PAIRS)
    guests["Ann"][0].emit("sfu", {}, callback=True)
    host.emit("breakout-move", {"id": guests["Ann"][1], "group": 2}, callback=True)
    assert calls == [(guests["Ann"][1], "g1")]
    assert token_room(app, guests["Ann"][0].emit("sfu", {}, callback=True)).endswith(":g2")
