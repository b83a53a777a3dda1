"""Socket.IO signaling. `make test` runs this file twice: under threading and under eventlet."""

import base64
import hashlib
import hmac
import logging

import pytest
import sqlalchemy as sa

from app.extensions import db, socketio
from app.plans import LARGE
from app.rooms.models import Room

from .support.sockets import events, join, ticket_for

pytestmark = pytest.mark.socketio


def test_connect_without_a_ticket_is_refused(app):
    """Is a Socket.IO connection without a valid room ticket refused?"""
    for auth in (None, {}, {"ticket": "forged.ticket"}, {"ticket": 123}):
        socket = socketio.test_client(app, auth=auth)
        assert not socket.is_connected()


def test_ticket_issued_to_a_session_needs_that_session(app, host_client, connect):
    """Is the owner's ticket useless from another browser (no session)?"""
    ticket = ticket_for(host_client)
    stranger = socketio.test_client(app, flask_test_client=app.test_client(), auth={"ticket": ticket})
    assert not stranger.is_connected()


def test_join_and_see_each_other(connect):
    """Do participants join and learn about each other, without socket ids or accounts leaking?"""
    alice = connect()
    first = join(alice, "Alice")
    assert first["status"] == "joined" and first["participants"] == [] and first["mode"] == "small"
    bob = connect()
    second = join(bob, "Bob")
    assert [p["name"] for p in second["participants"]] == ["Alice"]
    assert set(second["participants"][0]) == {
        "id",
        "name",
        "host",
        "cohost",
        "muted",
        "camera",
        "screen",
        "screen_stream",
        "picture",
        "key",
        "e2ee",
        "group",  # their breakout group (None in the main room)
    }
    joined = events(alice, "peer-joined")
    assert joined[0]["name"] == "Bob" and joined[0]["id"] == second["self"]


def test_signals_are_relayed_only_to_their_target(connect):
    """Are offers and candidates relayed to the named participant, stamped with the sender's real id?"""
    alice, bob, carol = connect(), connect(), connect()
    a, b = join(alice, "Alice"), join(bob, "Bob")
    join(carol, "Carol")
    for socket in (alice, bob, carol):
        socket.get_received()
    offer = {"type": "offer", "sdp": "v=0\r\n"}
    answer = alice.emit("signal", {"to": b["self"], "gen": "g1", "description": offer}, callback=True)
    assert answer == {"status": "sent"}
    alice.emit(
        "signal",
        {
            "to": b["self"],
            "candidate": {"candidate": "candidate:1 1 udp 1 127.0.0.1 9 typ host", "sdpMid": "0", "sdpMLineIndex": 0},
        },
        callback=True,
    )
    received = events(bob, "signal")
    assert received[0] == {"from": a["self"], "gen": "g1", "description": offer}
    assert received[1]["candidate"]["sdpMid"] == "0"
    assert events(carol, "signal") == []


def test_signal_to_someone_absent_is_refused(connect):
    """Is a signal to a participant who is not in the meeting refused?"""
    alice = connect()
    join(alice, "Alice")
    answer = alice.emit("signal", {"to": "nobody", "description": {"type": "offer", "sdp": ""}}, callback=True)
    assert "not in the meeting" in answer["error"]


def test_a_finished_switch_is_told_to_the_others_as_the_sender(connect):
    """Is "I switched" relayed to the others, stamped with the sender's real id, and a bad way refused?"""
    alice, bob = connect(), connect()
    a = join(alice, "Alice")
    join(bob, "Bob")
    for socket in (alice, bob):
        socket.get_received()
    assert alice.emit("switched", {"via": "node", "from": "someone-else"}, callback=True) == {"status": "sent"}
    assert events(bob, "switched") == [{"from": a["self"], "via": "node"}]
    assert events(alice, "switched") == []
    for bad in ("elsewhere", None, 1, {"via": "node"}):
        assert "Expected peers or node" in alice.emit("switched", {"via": bad}, callback=True)["error"]
    assert events(bob, "switched") == []


def test_events_before_joining_are_refused(connect):
    """Are relay, chat and host events refused until the participant has joined?"""
    lurker = connect()
    assert "Join the meeting first" in lurker.emit("chat", {"text": "hi"}, callback=True)["error"]


def test_fifth_participant_is_refused(connect, app):
    """Does a fifth person get a clear "full" answer, without joining half-way?"""
    sockets = [connect() for _ in range(5)]
    answers = [join(socket, f"P{index}") for index, socket in enumerate(sockets)]
    assert [a["status"] for a in answers] == ["joined"] * 4 + ["full"]
    assert answers[4]["capacity"] == 4
    with app.app_context():
        room = db.session.scalar(sa.select(Room))
        assert len(app.extensions["parlor_presence"].members(room.id)) == 4
    assert "chat" not in [m["name"] for m in sockets[4].get_received()]
    assert "Join the meeting first" in sockets[4].emit("chat", {"text": "x"}, callback=True)["error"]


def test_group_room_holds_twelve(app, runner, connect, make_user):
    """Does a large room take twelve and refuse the thirteenth?"""
    make_user("big@example.com")
    runner.invoke(args=["rooms", "create", "big-room", "--owner", "big@example.com", "--mode", LARGE])
    statuses = [join(connect(room="big-room"), f"P{i}")["status"] for i in range(13)]
    assert statuses == ["joined"] * 12 + ["full"]


def lock_room(app):
    with app.app_context():
        db.session.execute(sa.update(Room).values(locked=True))
        db.session.commit()


def test_knock_admit_flow(app, host_client, connect):
    """Does a visitor of a locked room knock, get admitted by the owner, and then join?"""
    lock_room(app)
    host = connect(host_client)
    assert join(host, "Host")["host"] is True
    visitor = connect()
    assert join(visitor, "Vic")["status"] == "locked"
    assert visitor.emit("knock", {"name": "Vic"}, callback=True) == {"status": "waiting", "host_here": True}
    knocks = events(host, "knock")
    assert knocks[0]["name"] == "Vic"
    assert host.emit("admit", {"id": knocks[0]["id"]}, callback=True) == {"status": "admitted"}
    assert events(visitor, "knock-result") == [{"admitted": True}]
    assert join(visitor, "Vic")["status"] == "joined"


def test_knock_deny_flow(app, host_client, connect):
    """Does a denied visitor hear so and stay out?"""
    lock_room(app)
    host = connect(host_client)
    join(host, "Host")
    visitor = connect()
    visitor.emit("knock", {"name": "Vic"}, callback=True)
    knock_id = events(host, "knock")[0]["id"]
    assert host.emit("deny", {"id": knock_id}, callback=True) == {"status": "denied"}
    assert events(visitor, "knock-result") == [{"admitted": False}]
    assert join(visitor, "Vic")["status"] == "locked"


def test_owner_sees_knocks_that_came_before_joining(app, host_client, connect):
    """Does an owner arriving late see who is already knocking?"""
    lock_room(app)
    visitor = connect()
    visitor.emit("knock", {"name": "Early Bird"}, callback=True)
    host = connect(host_client)
    assert [k["name"] for k in join(host, "Host")["knocks"]] == ["Early Bird"]


def test_knock_on_an_unlocked_room_is_refused(connect):
    """Is knocking on an open room refused with a clear message?"""
    visitor = connect()
    assert "not locked" in visitor.emit("knock", {"name": "Vic"}, callback=True)["error"]


def test_guest_cannot_admit(app, host_client, connect):
    """Can a guest not admit people into a locked room?"""
    lock_room(app)
    host = connect(host_client)
    join(host, "Host")
    visitor = connect()
    visitor.emit("knock", {"name": "Vic"}, callback=True)
    knock_id = events(host, "knock")[0]["id"]
    host.emit("admit", {"id": knock_id}, callback=True)
    join(visitor, "Vic")
    other = connect()
    other.emit("knock", {"name": "Mallory"}, callback=True)
    mallory_id = events(host, "knock")[0]["id"]
    assert "Only the room's host" in visitor.emit("admit", {"id": mallory_id}, callback=True)["error"]


def test_host_kicks_a_participant(host_client, connect):
    """Does the host's kick tell the person, drop them and tell the others?"""
    host = connect(host_client)
    join(host, "Host")
    guest, other = connect(), connect()
    target = join(guest, "Guest")["self"]
    join(other, "Other")
    other.get_received()
    assert host.emit("kick", {"id": target}, callback=True) == {"status": "removed"}
    assert {"id": target} in events(other, "peer-left")
    assert not guest.is_connected() or "kicked" in [m["name"] for m in guest.get_received()]


def test_guest_cannot_kick(connect):
    """Is a kick from someone who is not the host refused, changing nothing?"""
    alice, bob = connect(), connect()
    join(alice, "Alice")
    target = join(bob, "Bob")["self"]
    assert "Only the room's host" in alice.emit("kick", {"id": target}, callback=True)["error"]
    assert bob.is_connected()


def test_host_locks_from_the_meeting(app, host_client, connect):
    """Can the host lock the room mid-meeting, and a guest not?"""
    host = connect(host_client)
    join(host, "Host")
    guest = connect()
    join(guest, "Guest")
    assert "Only the room's host" in guest.emit("lock", {"locked": True}, callback=True)["error"]
    assert host.emit("lock", {"locked": True}, callback=True)["locked"] is True
    assert events(guest, "room-locked") == [{"locked": True}]
    with app.app_context():
        assert db.session.scalar(sa.select(Room.locked))


def test_chat_is_relayed_and_never_stored_or_logged(app, connect, caplog):
    """Is chat relayed to the others but neither stored nor logged?"""
    caplog.set_level(logging.DEBUG)
    alice, bob = connect(), connect()
    join(alice, "Alice")
    join(bob, "Bob")
    assert alice.emit("chat", {"text": "the secret plan"}, callback=True)["status"] == "sent"
    [message] = events(bob, "chat")
    assert message["text"] == "the secret plan" and message["name"] == "Alice"
    assert "the secret plan" not in caplog.text
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                assert "the secret plan" not in repr(row)


def test_media_state_is_shared(connect):
    """Do mute and camera changes reach the others?"""
    alice, bob = connect(), connect()
    a = join(alice, "Alice")
    join(bob, "Bob")
    alice.emit("media", {"muted": True, "camera": False}, callback=True)
    assert events(bob, "peer-media")[-1] == {
        "id": a["self"],
        "muted": True,
        "camera": False,
        "screen": False,
        "screen_stream": None,
    }


@pytest.mark.parametrize(
    "event,payload",
    [
        ("join", {"name": 123}),
        ("join", {}),
        ("join", {"name": "x" * 51}),
        ("join", {"name": "bell\x07"}),
        ("join", "not an object"),
        ("join", None),
        ("chat", {"text": "x" * 2001}),
        ("chat", {"text": ["list"]}),
        ("signal", {"to": "x" * 100, "description": {"type": "offer", "sdp": ""}}),
        ("signal", {"to": "abc", "description": {"type": "offer", "sdp": "v" * 40000}}),
        ("signal", {"to": "abc", "description": {"type": "bogus"}}),
        ("signal", {"to": "abc", "candidate": {"candidate": 5}}),
        ("signal", {"to": "abc"}),
        ("media", {"muted": "yes", "camera": True}),
        ("kick", {"id": None}),
        ("lock", {"locked": "true"}),
    ],
)
def test_malformed_events_are_refused_without_raising(connect, event, payload):
    """Are wrong-typed, missing and huge fields refused with an error answer, never an exception?"""
    socket = connect()
    if event != "join":
        join(socket, "Tester")
    answer = socket.emit(event, payload, callback=True)
    assert isinstance(answer, dict) and "error" in answer
    assert socket.is_connected()


def test_events_are_rate_limited_per_connection(connect):
    """Is a flood of chat from one connection cut off while others still talk?"""
    alice, bob = connect(), connect()
    join(alice, "Alice")
    join(bob, "Bob")
    answers = [alice.emit("chat", {"text": f"spam {i}"}, callback=True) for i in range(20)]
    assert any("Slow down" in a.get("error", "") for a in answers)
    assert bob.emit("chat", {"text": "still here"}, callback=True)["status"] == "sent"


def test_leaving_tells_the_others(connect):
    """Does leaving (or disconnecting) tell the others?"""
    alice, bob = connect(), connect()
    a = join(alice, "Alice")
    join(bob, "Bob")
    bob.get_received()
    alice.disconnect()
    assert {"id": a["self"]} in events(bob, "peer-left")


def test_turn_credentials_for_members_only(app, connect):
    """Are TURN credentials given to people in the meeting only, in coturn's REST format?"""
    app.config.update(TURN_URLS=["turn:127.0.0.1:3478?transport=udp"], TURN_SECRET="s3cret")
    client = app.test_client()
    ticket = ticket_for(client)
    assert client.post("/api/turn-credentials").status_code == 401
    assert client.post("/api/turn-credentials", headers={"X-Room-Ticket": ticket}).status_code == 403
    socket = socketio.test_client(app, flask_test_client=client, auth={"ticket": ticket})
    me = join(socket, "Member")["self"]
    response = client.post("/api/turn-credentials", headers={"X-Room-Ticket": ticket})
    assert response.status_code == 200
    [server] = response.get_json()["iceServers"]
    expiry, participant = server["username"].split(":")
    assert participant == me and int(expiry) > 0
    expected = base64.b64encode(hmac.new(b"s3cret", server["username"].encode(), hashlib.sha1).digest()).decode()
    assert server["credential"] == expected
    socket.disconnect()


def test_join_answer_carries_ice_servers(app, connect):
    """Does joining hand out TURN servers when TURN is configured?"""
    app.config.update(TURN_URLS=["turn:turn.example:3478"], TURN_SECRET="s3cret")
    answer = join(connect(), "Member")
    assert answer["ice"]["iceServers"][0]["urls"] == ["turn:turn.example:3478"]


def test_owner_away_hears_about_knocks_if_they_asked(app, connect, room):
    """Does an absent owner who wants activity notifications get one email per knock spell?"""
    from app.account.consents import record_consent
    from app.auth.models import User

    lock_room(app)
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "host@example.com"))
        record_consent(owner, "activity", True, source="settings_page")
        db.session.commit()
    outbox = app.extensions["parlor_mail"].outbox
    before = len(outbox)
    connect().emit("knock", {"name": "Nina"}, callback=True)
    connect().emit("knock", {"name": "Otto"}, callback=True)
    notices = [m for m in outbox[before:] if m["To"] == "host@example.com"]
    assert len(notices) == 1 and "Nina knocked on meet-here" in notices[0]["Subject"]


def test_no_knock_email_without_consent(app, connect, room):
    """Without the activity consent, does a knock send the owner nothing?"""
    lock_room(app)
    before = len(app.extensions["parlor_mail"].outbox)
    connect().emit("knock", {"name": "Nina"}, callback=True)
    assert len(app.extensions["parlor_mail"].outbox) == before


def test_only_a_pro_host_may_announce_recording(app, host_client, connect):
    """Is the recording notice refused from guests and free hosts, and shown to everyone for a Pro host?"""
    from app.auth.models import User

    host = connect(host_client)
    join(host, "Host")
    guest = connect()
    join(guest, "Guest")
    assert "Only the host" in host.emit("recording", {"active": True}, callback=True)["error"]
    with app.app_context():
        db.session.execute(sa.update(User).values(plan="pro"))
        db.session.commit()
    assert "Only the host" in guest.emit("recording", {"active": True}, callback=True)["error"]
    assert host.emit("recording", {"active": True}, callback=True) == {"status": "ok"}
    assert [state["active"] for state in events(guest, "recording")] == [True]
