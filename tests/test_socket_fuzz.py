"""Property-based fuzzing of every Socket.IO event: junk never crashes, always answers, changes nothing.

Each event gets 1,000 generated payloads (wrong types, huge and odd unicode strings, nested
objects, missing fields, ids of people in other rooms). A payload the server refuses must leave
the meeting exactly as it was; whatever the payload, the room next door never changes.
"""

import logging
import re

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.auth.models import User
from app.extensions import db, socketio
from app.rooms.connections import presence
from app.rooms.events import NAMESPACE
from app.rooms.models import Room
from app.rooms.ratelimit import TokenBucket

from .support.sockets import PUBLIC_KEY

pytestmark = pytest.mark.fuzz

EVENTS = [
    "join",
    "knock",
    "admit",
    "deny",
    "signal",
    "media",
    "media-key",
    "chat",
    "kick",
    "lock",
    "recording",
    "recording-answer",
    "app-open",
    "app-close",
    "app-control",
    "app-ask",
    "app-state",
    "apps-lock",
    "leave",
    "presence",
    "sfu",
    "promote",
    "demote",
    "mute",
    "stop-camera",
    "mute-all",
    "admit-all",
    "deny-all",
    "waiting",
    "raise-hand",
    "lower-hand",
    "reaction",
    "spotlight",
    "breakout-open",
    "breakout-move",
    "breakout-broadcast",
    "breakout-close",
]
HOST_EVENTS = [
    "admit",
    "deny",
    "kick",
    "lock",
    "signal",
    "promote",
    "demote",
    "mute",
    "admit-all",
    "spotlight",
    "lower-hand",
    "breakout-open",
    "breakout-move",
]
FIELDS = [
    "to",
    "id",
    "name",
    "text",
    "gen",
    "description",
    "candidate",
    "muted",
    "camera",
    "screen",
    "locked",
    "active",
    "reconnect",
    "emoji",
    "screen_stream",
    "sdp",
    "type",
    "count",
    "group",
    "assignments",
    "minutes",
]
PLACEHOLDERS = ["@self", "@host", "@guest", "@other"]  # replaced by real participant ids

FUZZ = settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)

odd_text = st.sampled_from(
    ["", " ", "\u202e", "\x00", "😀" * 600, "x" * 100_000, "<script>", "null", "offer", "candidate:"]
)
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=40) | odd_text
values = st.recursive(
    scalars | st.sampled_from(PLACEHOLDERS),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
payloads = st.dictionaries(st.sampled_from(FIELDS), values, max_size=5) | values


@pytest.fixture
def meeting(app, make_user, auth, monkeypatch):
    """A small meeting (host, guest, fuzzer) and, next door, another room with one person in it."""
    monkeypatch.setattr(TokenBucket, "take", lambda self, cost=1: True)  # rate limits are tested elsewhere
    owner_id, neighbour_id = make_user("host@example.com"), make_user("neighbour@example.com")
    with app.app_context():
        owner, neighbour = db.session.get(User, owner_id), db.session.get(User, neighbour_id)
        db.session.add_all([Room(name="fuzzed", owner=owner), Room(name="next-door", owner=neighbour)])
        db.session.commit()
    sockets = {}

    def open_socket(role, room, flask_client=None):
        flask_client = flask_client or app.test_client()
        ticket = re.search(r'data-ticket="([^"]+)"', flask_client.get(f"/{room}").get_data(as_text=True)).group(1)
        socket = socketio.test_client(app, flask_test_client=flask_client, auth={"ticket": ticket})
        answer = socket.emit("join", {"name": role.title(), "key": PUBLIC_KEY}, callback=True)
        sockets[role] = socket
        return socket, answer["self"]

    auth.login("host@example.com")
    ids = {}
    _, ids["@host"] = open_socket("host", "fuzzed", auth.client)
    _, ids["@guest"] = open_socket("guest", "fuzzed")
    _, ids["@self"] = open_socket("fuzzer", "fuzzed")
    _, ids["@other"] = open_socket("neighbour", "next-door")
    yield sockets, ids
    for socket in sockets.values():
        if socket.is_connected():
            socket.disconnect()


def substitute(value, ids):
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, list):
        return [substitute(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: substitute(item, ids) for key, item in value.items()}
    return value


def snapshot(app):
    """Everything a refused event must leave alone: members, knocks, sockets, lock and mode state."""
    with app.app_context():
        rooms = db.session.scalars(sa.select(Room).order_by(Room.id)).all()
        state = []
        for room in rooms:
            members = sorted(
                (m["id"], m["sid"], m["muted"], m["camera"], m["screen"]) for m in presence().members(room.id)
            )
            knocks = sorted(k["id"] for k in presence().knocks(room.id))
            sockets = sorted(presence().socket_of(room.id, m[0]) for m in members)
            state.append((room.name, room.locked, members, knocks, sockets))
        return state


def next_door(state):
    return [entry for entry in state if entry[0] == "next-door"]


def fuzz_one(app, sockets, ids, role, event, payload, caplog):
    before = snapshot(app)
    caplog.clear()
    answer = sockets[role].emit(event, substitute(payload, ids), callback=True)
    after = snapshot(app)
    assert isinstance(answer, dict) and ("error" in answer or "status" in answer), answer
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
    if "error" in answer:
        assert after == before
    assert next_door(after) == next_door(before)
    for socket in sockets.values():
        socket.get_received()
    if answer.get("status") == "left":  # a valid "leave": come back so the next payload meets a meeting
        sockets[role].emit("join", {"name": role.title(), "key": PUBLIC_KEY}, callback=True)


@pytest.mark.parametrize("event", EVENTS)
def test_guest_events_survive_junk(app, meeting, event, caplog):
    """Does every event, fed 1,000 junk payloads by a guest, answer without crashing or changing state?"""
    sockets, ids = meeting

    @FUZZ
    @given(payload=payloads)
    def run(payload):
        fuzz_one(app, sockets, ids, "fuzzer", event, payload, caplog)

    run()


@pytest.mark.parametrize("event", HOST_EVENTS)
def test_host_events_survive_junk(app, meeting, event, caplog):
    """Do the host's powers, fed 1,000 junk payloads (other rooms' ids too), refuse cleanly?"""
    sockets, ids = meeting
    # Removing a guest is legitimate, so the host's junk names only the host itself and the room next door.
    host_ids = {"@self": ids["@host"], "@host": ids["@host"], "@guest": ids["@host"], "@other": ids["@other"]}

    @FUZZ
    @given(payload=payloads)
    def run(payload):
        fuzz_one(app, sockets, host_ids, "host", event, payload, caplog)

    run()


@FUZZ
@given(auth=st.none() | st.dictionaries(st.sampled_from(["ticket"]) | st.text(max_size=8), values, max_size=3))
def test_connect_refuses_junk_tickets(app, auth):
    """Is every junk connect payload (an object, as the protocol requires) refused without an error?"""
    socket = socketio.test_client(app, auth=auth, namespace=NAMESPACE)
    assert not socket.is_connected()
