"""Recording with everyone's say: the host's browser records only the people who agreed.

The recording is made and kept in the recording host's browser (``static/js/room/recording.js``);
nothing of it reaches us. The server carries only what everyone must see: who is recording, and
each person's answer to "Include me" or "Leave me out". Both live in the meeting's presence
entries, which end with the meeting, and are never written to the database.

Each recording has its own session id. An answer counts only for the session it was given in, so
a new recording asks everyone again, and nobody's old "yes" carries over. No answer means left
out: the browser answers "Leave me out" by itself after 20 seconds, and until then the recorder
composes nobody who has not said yes.
"""

import secrets

from ..extensions import db
from ..plans import get_plan
from .connections import MeetingError, presence, room_channel, transport
from .hosting import is_host
from .models import Room

INCLUDED, LEFT_OUT = "in", "out"


def _recorder(members):
    return next((p for p in members if p.get("recording")), None)


def _answer(entry, session):
    answer = entry.get("recorded") or {}
    return answer.get("answer") if answer.get("session") == session else None


def state(room_id):
    """The recording as every participant sees it: who records, and who said what so far."""
    members = presence().members(room_id)
    recorder = _recorder(members)
    if recorder is None:
        return {"active": False}
    session = recorder["recording"]
    return {
        "active": True,
        "by": recorder["id"],
        "by_name": recorder["name"],
        "answers": {p["id"]: _answer(p, session) for p in members},
    }


def _announce(room_id):
    transport().emit("recording", state(room_id), to=room_channel(room_id))


def start(conn):
    room = db.session.get(Room, conn.room_id)
    if room is None or not is_host(conn) or not get_plan(room.plan_key).recording:
        raise MeetingError("Only the host of a room whose plan includes recording can record.")
    recorder = _recorder(presence().members(conn.room_id))
    if recorder is not None and recorder["id"] != conn.pid:
        raise MeetingError(f"{recorder['name']} is already recording this meeting.")
    session = secrets.token_hex(8)
    # Whoever records is in their own recording.
    fields = dict(recording=session, recorded={"session": session, "answer": INCLUDED})
    presence().update(conn.room_id, conn.pid, **fields)
    conn.remember(**fields)  # put back as it stands if Redis forgets presence
    _announce(conn.room_id)
    return {"status": "ok"}


def stop(conn):
    entry = presence().get(conn.room_id, conn.pid)
    if entry is None or not entry.get("recording"):
        raise MeetingError("You are not recording this meeting.")
    fields = dict(recording=None, recorded=None)
    presence().update(conn.room_id, conn.pid, **fields)
    conn.remember(**fields)  # put back as it stands if Redis forgets presence
    _announce(conn.room_id)
    return {"status": "ok"}


def answer(conn, include):
    """Someone's "Include me" or "Leave me out"; they may change their mind while it runs."""
    recorder = _recorder(presence().members(conn.room_id))
    if recorder is None:
        raise MeetingError("Nobody is recording this meeting.")
    if recorder["id"] == conn.pid:
        raise MeetingError("You are recording: stop the recording to leave it.")
    choice = INCLUDED if include else LEFT_OUT
    fields = dict(recorded={"session": recorder["recording"], "answer": choice})
    presence().update(conn.room_id, conn.pid, **fields)
    conn.remember(**fields)  # put back as it stands if Redis forgets presence
    transport().emit("recording-answer", {"id": conn.pid, "answer": choice}, to=room_channel(conn.room_id))
    return {"status": "ok", "answer": choice}


def recorder_left(room_id, entry):
    """The recording ends with its recorder's page: tell everyone it stopped."""
    if entry.get("recording"):
        _announce(room_id)
