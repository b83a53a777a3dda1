"""Recording with everyone's say: who records, who answered, and who may change what.

The recording is made in the host's browser; these tests hold the server to its part: everyone
learns who records and who said "Include me", answers count only for the recording they were
given in, and nobody else can start, stop or answer for someone.
"""

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.rooms.models import Room

from .support.sockets import events, join, ticket_for

pytestmark = pytest.mark.socketio


@pytest.fixture
def pro_room(app, room):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "host@example.com").values(plan="pro"))
        db.session.commit()
    return room


@pytest.fixture
def meeting(pro_room, host_client, connect):
    host, guest = connect(host_client), connect()
    ids = {"host": join(host, "Host")["self"], "guest": join(guest, "Guest")["self"]}
    return host, guest, ids


def record(socket, active=True):
    return socket.emit("recording", {"active": active}, callback=True)


def answer(socket, include):
    return socket.emit("recording-answer", {"include": include}, callback=True)


def test_everyone_learns_who_records_and_that_nobody_has_answered(meeting):
    """When a host starts recording, does everyone hear who records, with only the recorder included?"""
    host, guest, ids = meeting
    assert record(host) == {"status": "ok"}
    [state] = events(guest, "recording")
    assert state["active"] and state["by"] == ids["host"] and state["by_name"] == "Host"
    assert state["answers"] == {ids["host"]: "in", ids["guest"]: None}


def test_an_answer_reaches_everyone(meeting):
    """Does "Include me" reach the recorder and the others, stamped with the answerer's real id?"""
    host, guest, ids = meeting
    record(host)
    host.get_received()
    assert answer(guest, True) == {"status": "ok", "answer": "in"}
    assert events(host, "recording-answer") == [{"id": ids["guest"], "answer": "in"}]
    assert answer(guest, False)["answer"] == "out"


def test_a_guest_cannot_record_or_stop_the_hosts_recording(meeting):
    """Can a guest neither start a recording nor stop the host's?"""
    host, guest, _ = meeting
    assert "Only the host" in record(guest)["error"]
    record(host)
    assert "not recording" in record(guest, active=False)["error"]
    assert events(guest, "recording")[-1]["active"]


def test_answering_when_nobody_records_is_refused(meeting):
    """Is an answer without a recording refused and announced to nobody?"""
    host, guest, _ = meeting
    assert "Nobody is recording" in answer(guest, True)["error"]
    assert events(host, "recording-answer") == []


def test_the_recorder_cannot_leave_their_own_recording(meeting):
    """Must the recorder stop recording rather than answer "Leave me out"?"""
    host, _, _ = meeting
    record(host)
    assert "stop the recording" in answer(host, False)["error"]


def test_a_new_recording_asks_everyone_again(meeting):
    """After a stop and a new start, is last time's "Include me" forgotten?"""
    host, guest, ids = meeting
    record(host)
    answer(guest, True)
    assert record(host, active=False) == {"status": "ok"}
    assert events(guest, "recording")[-1] == {"active": False}
    record(host)
    assert events(guest, "recording")[-1]["answers"][ids["guest"]] is None


def test_a_joiner_during_a_recording_is_asked(meeting, connect):
    """Does someone joining mid-recording learn of it in their join answer, with no answer of theirs yet?"""
    host, guest, ids = meeting
    record(host)
    answer(guest, True)
    late = join(connect(), "Late")
    assert late["recording"]["active"] and late["recording"]["by"] == ids["host"]
    assert late["recording"]["answers"] == {ids["host"]: "in", ids["guest"]: "in", late["self"]: None}


def test_a_second_host_cannot_start_another_recording(meeting, connect, app):
    """While one host records, is a host-link holder's start refused (one recording per meeting)?"""
    host, guest, ids = meeting
    record(host)
    with app.app_context():
        key = db.session.scalar(sa.select(Room.host_key).where(Room.name == "meet-here"))
    link_holder = app.test_client()
    second = connect(link_holder, ticket=ticket_for(link_holder, f"meet-here?host={key}"))
    assert join(second, "Second")["host"]
    assert "Host is already recording" in record(second)["error"]
    assert events(guest, "recording")[-1]["by"] == ids["host"]


def test_the_recording_ends_when_the_recorder_leaves(meeting):
    """When the recorder's page leaves, is everyone told the recording stopped?"""
    host, guest, _ = meeting
    record(host)
    host.emit("leave", callback=True)
    assert events(guest, "recording")[-1] == {"active": False}
