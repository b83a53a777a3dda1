"""Placement by measured latency: the lobby's RTT medians order nearby nodes, never more."""

import re

import pytest

from app.auth.models import User
from app.extensions import db, socketio
from app.nodes import placement
from app.nodes.models import RoomAssignment
from app.plans import LARGE
from app.rooms.models import Room
from app.rooms.validation import check_rtt

from .support.placement import add_node
from .support.sockets import PUBLIC_KEY


@pytest.mark.parametrize(
    "table,rtt,expected",
    [
        # (node, region, participants): capacity 48 each; the client is in eu-north (private address).
        ([("a", "eu-north", 0), ("b", "eu-north", 0)], {"a": 80, "b": 12}, "b"),  # fastest of equals
        ([("a", "eu-north", 0), ("b", "eu-north", 5)], {"a": 80, "b": 12}, "b"),  # a little busier, much faster
        ([("a", "eu-north", 0), ("b", "eu-north", 30)], {"a": 80, "b": 12}, "a"),  # far busier: load wins
        ([("a", "eu-north", 0), ("w", "eu-west", 0)], {"a": 40, "w": 9}, "w"),  # the next region can be nearer
        ([("a", "eu-north", 0), ("u", "us-east", 0), ("w", "eu-west", 0)], {"u": 1}, "a"),  # 3rd region: not asked
        ([("a", "eu-north", 0), ("b", "eu-north", 0, "dead")], {"a": 80, "b": 1}, "a"),  # dead: never
        ([("a", "eu-north", 0), ("b", "eu-north", 0, "draining")], {"a": 80, "b": 1}, "a"),  # draining: never
        ([("a", "eu-north", 0), ("b", "eu-north", 48)], {"a": 80, "b": 1}, "a"),  # full: never
        ([("a", "eu-north", 0), ("b", "eu-north", 0)], {"zzz": 1}, "a"),  # unknown ids: geo-IP
        ([("a", "eu-north", 5), ("b", "eu-north", 0)], {}, "b"),  # no measurements: geo-IP, least loaded
        ([("a", "eu-north", 0), ("b", "eu-north", 0), ("c", "eu-north", 0)], {"c": 30, "b": 30}, "b"),  # tie: id
    ],
)
def test_choice_by_load_and_rtt(app, table, rtt, expected):
    """Does a new meeting go to the lowest median RTT among the least-loaded nearby live nodes?"""
    with app.app_context():
        for row in table:
            node_id, region, participants = row[:3]
            flag = row[3] if len(row) > 3 else ""
            add_node(node_id, region, participants, alive=flag != "dead", draining=flag == "draining")
        db.session.commit()
        assert placement.choose_node("127.0.0.1", rtt=rtt).id == expected


def test_lobby_is_offered_a_few_nearby_nodes_to_ping(app):
    """Does the lobby get the ping URLs of the nearest regions' live nodes only, at most a few?"""
    with app.app_context():
        for index in range(6):
            add_node(f"n{index}", "eu-north", participants=index)
        add_node("west", "eu-west")
        add_node("far", "ap-southeast")
        add_node("gone", "eu-north", alive=False)
        db.session.commit()
        probes = placement.latency_probes("127.0.0.1")
    assert len(probes) == placement.MAX_LATENCY_PROBES
    assert probes[0] == {"id": "n0", "url": "ws://n0.example:8000/ping"}
    assert [p["id"] for p in probes] == ["n0", "west", "n1", "n2"]


def test_running_meeting_keeps_its_node_whatever_a_newcomer_measured(app, make_user):
    """Does a meeting already on a live node stay there when a later participant reports another faster?"""
    with app.app_context():
        owner = db.session.get(User, make_user("rtt@example.com", plan="pro"))
        room = Room(name="rtt-sticky", owner=owner, mode=LARGE)
        db.session.add(room)
        add_node("a", "eu-north")
        add_node("b", "eu-north")
        db.session.commit()
        assert placement.node_for_room(room, "127.0.0.1", rtt={"a": 5, "b": 90}).id == "a"
        db.session.commit()
        assert placement.node_for_room(room, "127.0.0.1", rtt={"a": 90, "b": 5}).id == "a"
        assert db.session.get(RoomAssignment, room.id).node_id == "a"


@pytest.mark.parametrize(
    "value,expected",
    [
        ({"a": 12, "b": 30.5}, {"a": 12.0, "b": 30.5}),
        ({"a": -1, "b": "12", "c": True, "d": None, "e": 1e12, "f": [1]}, {}),
        ({"../x": 1, "": 2, "x" * 100: 3, "ok": 4}, {"ok": 4.0}),
        ({f"n{i}": 1 for i in range(50)}, {}),  # more than a lobby ever pings: all dropped
        ([1, 2], {}),
        ("fast", {}),
        (None, {}),
    ],
)
def test_rtt_reports_are_checked(value, expected):
    """Are malformed RTT entries (types, ranges, ids, sizes) dropped, never trusted?"""
    assert check_rtt(value) == expected


@pytest.fixture
def large_room(app, make_user):
    with app.app_context():
        owner = db.session.get(User, make_user("big-rtt@example.com", plan="pro"))
        db.session.add(Room(name="rtt-room", owner=owner, mode=LARGE))
        add_node("a", "eu-north")
        add_node("b", "eu-north")
        db.session.commit()
    return "rtt-room"


def join_with(app, client, room, payload):
    html = client.get(f"/{room}").get_data(as_text=True)
    ticket = re.search(r'data-ticket="([^"]+)"', html).group(1)
    socket = socketio.test_client(app, flask_test_client=client, auth={"ticket": ticket})
    joined = socket.emit("join", dict({"key": PUBLIC_KEY}, **payload), callback=True)
    grant = socket.emit("sfu", {}, callback=True)
    socket.disconnect()
    return joined, grant


def test_lobby_page_lists_the_nodes_to_ping(app, client, large_room):
    """Does a large room's lobby page carry the nearby nodes' ping URLs, allowed by its CSP?"""
    response = client.get(f"/{large_room}")
    assert "ws://b.example:8000/ping" in response.get_data(as_text=True)
    assert "ws://b.example:8000" in response.headers["Content-Security-Policy"]


def test_join_with_measured_rtt_lands_on_the_faster_node(app, client, large_room):
    """Does a first participant whose lobby found node b faster get their meeting on b?"""
    joined, grant = join_with(app, client, large_room, {"name": "Fast", "rtt": {"a": 140.0, "b": 11.5}})
    assert joined["status"] == "joined"
    assert grant["node"] == "b"


@pytest.mark.parametrize(
    "rtt",
    [
        "fast",
        ["b"],
        {"b": "1"},
        {"b": -5},
        {"b": float("inf")},
        {"b": {"nested": 1}},
        {"<script>": 1},
        {f"n{i}": 1 for i in range(500)},
        None,
        12,
    ],
)
def test_bogus_rtt_is_ignored_and_the_join_goes_ahead(app, client, large_room, rtt):
    """Does a join with a forged or broken RTT report still succeed, placed by geo-IP as if none were sent?"""
    joined, grant = join_with(app, client, large_room, {"name": "Liar", "rtt": rtt})
    assert joined["status"] == "joined"
    assert grant["node"] == "a"  # geo-IP's choice: equal load, then id
