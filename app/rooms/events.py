"""Socket.IO signaling for rooms: presence, knocking, WebRTC relay, chat and host actions.

Who a connection is comes from the room ticket the lobby signed (and the login session it
was issued to), never from ids in event payloads. Chat is relayed and forgotten: it is never
stored or logged. Nothing here depends on eventlet or threads; the async mode is a setting.
"""

import time

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, disconnect, emit, join_room, leave_room

from ..extensions import db, socketio
from ..plans import get_plan
from . import services
from .connections import (
    Connection,
    connection_of,
    handler,
    host_channel,
    presence,
    public,
    register,
    room_channel,
    unregister,
)
from .models import Room
from .notify import notify_absent_owner
from .tickets import InvalidTicket, read_ticket
from .turn import turn_credentials


@socketio.on("connect")
def on_connect(auth=None):
    try:
        ticket = read_ticket((auth or {}).get("ticket") if isinstance(auth, dict) else None)
    except InvalidTicket:
        raise ConnectionRefusedError("A valid room ticket is required.") from None
    if ticket["uid"] is not None and not (current_user.is_authenticated and current_user.id == ticket["uid"]):
        raise ConnectionRefusedError("This ticket belongs to another session.")
    if db.session.get(Room, ticket["room"]) is None:
        raise ConnectionRefusedError("This room no longer exists.")
    register(request.sid, Connection(ticket["room"], ticket["pid"], ticket["uid"], ticket["host"]))


@socketio.on("disconnect")
def on_disconnect(*args):
    conn = unregister(request.sid)
    if conn is not None:
        depart(conn)


def depart(conn):
    presence().pop_knock(conn.room_id, conn.pid)
    if not conn.joined:
        return
    conn.joined = False
    removed, ended = presence().leave(conn.room_id, conn.pid)
    if removed is not None:
        emit("peer-left", {"id": conn.pid}, to=room_channel(conn.room_id))
    if ended is not None:
        meeting_ended(conn.room_id, ended)


def meeting_started(room):
    from ..usage import track_meeting

    track_meeting("meeting_started", room)
    db.session.commit()


def meeting_ended(room_id, meeting):
    from ..usage import track_meeting

    room = db.session.get(Room, room_id)
    if room is not None:
        duration = max(0, int(time.time() - meeting["started_at"]))
        track_meeting("meeting_ended", room, duration_seconds=duration, peak_participants=meeting["peak"])
        db.session.commit()


@handler("join", schema={"name": "name", "muted?": bool, "camera?": bool}, joined=False)
def on_join(conn, data):
    room = db.session.get(Room, conn.room_id)
    if room is None:
        return {"error": "This room no longer exists."}
    if services.is_read_only(room):
        return {"status": "read-only"}
    if room.locked and not conn.host and not presence().is_admitted(room.id, conn.pid):
        return {"status": "locked"}
    capacity = services.capacity(room)
    participant = {
        "id": conn.pid,
        "name": data["name"],
        "host": conn.host,
        "sid": request.sid,
        "muted": bool(data.get("muted")),
        "camera": data.get("camera", True) is not False,
        "screen": False,
    }
    joined, members, started = presence().join(room.id, participant, capacity)
    if not joined:
        return {"status": "full", "capacity": capacity}
    conn.joined, conn.name = True, data["name"]
    join_room(room_channel(room.id))
    if conn.host:
        join_room(host_channel(room.id))
    emit("peer-joined", public(participant), to=room_channel(room.id), skip_sid=request.sid)
    if started:
        meeting_started(room)
    config = current_app.config
    return {
        "status": "joined",
        "self": conn.pid,
        "host": conn.host,
        "mode": services.meeting_mode(room),
        "capacity": capacity,
        "locked": room.locked,
        "participants": [public(p) for p in members if p["id"] != conn.pid],
        "knocks": [{"id": k["id"], "name": k["name"]} for k in presence().knocks(room.id)] if conn.host else [],
        "ice": turn_credentials(config["TURN_SECRET"], config["TURN_URLS"], conn.pid, config["TURN_CREDENTIAL_TTL"]),
    }


@handler("knock", schema={"name": "name"}, bucket="knock", joined=False)
def on_knock(conn, data):
    room = db.session.get(Room, conn.room_id)
    if room is None or not room.locked:
        return {"error": "This room is not locked. Join directly."}
    if conn.host:
        return {"error": "You own this room. Join directly."}
    knock = {"id": conn.pid, "name": data["name"], "sid": request.sid}
    presence().add_knock(room.id, knock)
    emit("knock", {"id": conn.pid, "name": data["name"]}, to=host_channel(room.id))
    if not any(p.get("host") for p in presence().members(room.id)):
        notify_absent_owner(room, data["name"])
    return {"status": "waiting"}


def answer_knock(conn, data, admitted):
    if not conn.host:
        return {"error": "Only the room's owner can do that."}
    knock = presence().pop_knock(conn.room_id, data["id"])
    if knock is None:
        return {"error": "That person is no longer waiting."}
    if admitted:
        presence().admit(conn.room_id, knock["id"])
    emit("knock-result", {"admitted": admitted}, to=knock["sid"])
    emit("knock-answered", {"id": knock["id"]}, to=host_channel(conn.room_id))
    return {"status": "admitted" if admitted else "denied"}


@handler("admit", schema={"id": "id"})
def on_admit(conn, data):
    return answer_knock(conn, data, True)


@handler("deny", schema={"id": "id"})
def on_deny(conn, data):
    return answer_knock(conn, data, False)


@handler("signal", schema={"to": "id", "gen?": "id", "description?": "sdp", "candidate?": "candidate"})
def on_signal(conn, data):
    if "description" not in data and "candidate" not in data:
        return {"error": "A signal needs a description or a candidate."}
    target = presence().get(conn.room_id, data["to"])
    if target is None or target["id"] == conn.pid:
        return {"error": "That participant is not in the meeting."}
    message = {"from": conn.pid}
    message.update({k: data[k] for k in ("gen", "description", "candidate") if k in data})
    emit("signal", message, to=target["sid"])
    return {"status": "sent"}


@handler("media", schema={"muted": bool, "camera": bool, "screen?": bool})
def on_media(conn, data):
    state = {"muted": data["muted"], "camera": data["camera"], "screen": bool(data.get("screen"))}
    presence().update(conn.room_id, conn.pid, **state)
    emit("peer-media", dict(state, id=conn.pid), to=room_channel(conn.room_id), skip_sid=request.sid)
    return {"status": "ok"}


@handler("chat", schema={"text": "chat"}, bucket="chat")
def on_chat(conn, data):
    message = {"from": conn.pid, "name": conn.name, "text": data["text"], "at": int(time.time() * 1000)}
    emit("chat", message, to=room_channel(conn.room_id), skip_sid=request.sid)
    return {"status": "sent", "at": message["at"]}


@handler("kick", schema={"id": "id"})
def on_kick(conn, data):
    if not conn.host:
        return {"error": "Only the room's owner can remove people."}
    target = presence().get(conn.room_id, data["id"])
    if target is None or target["id"] == conn.pid:
        return {"error": "That participant is not in the meeting."}
    emit("kicked", {}, to=target["sid"])
    target_conn = connection_of(target["sid"])
    if target_conn is not None:
        depart(target_conn)
    else:
        presence().leave(conn.room_id, target["id"])
        emit("peer-left", {"id": target["id"]}, to=room_channel(conn.room_id))
    from ..nodes.placement import kick_from_node

    kick_from_node(conn.room_id, target["id"])
    disconnect(sid=target["sid"], namespace="/")
    return {"status": "removed"}


@handler("lock", schema={"locked": bool})
def on_lock(conn, data):
    if not conn.host:
        return {"error": "Only the room's owner can lock the room."}
    room = db.session.get(Room, conn.room_id)
    services.set_locked(room, data["locked"])
    db.session.commit()
    emit("room-locked", {"locked": room.locked}, to=room_channel(room.id))
    return {"status": "ok", "locked": room.locked}


@handler("recording", schema={"active": bool})
def on_recording(conn, data):
    """The host started or stopped recording in their browser: everyone must be able to see it."""
    room = db.session.get(Room, conn.room_id)
    if not conn.host or not get_plan(room.owner.plan).recording:
        return {"error": "Only the host of a room whose plan includes recording can record."}
    emit("recording", {"active": data["active"]}, to=room_channel(conn.room_id))
    return {"status": "ok"}


@handler("leave")
def on_leave(conn, data):
    depart(conn)
    leave_room(room_channel(conn.room_id))
    leave_room(host_channel(conn.room_id))
    return {"status": "left"}


@handler("presence")
def on_presence(conn, data):
    presence().update(conn.room_id, conn.pid)
    return {"status": "ok"}


@handler("sfu", schema={"reconnect?": bool})
def on_sfu(conn, data):
    from ..nodes.placement import NoNodeAvailable, join_token_for

    room = db.session.get(Room, conn.room_id)
    if services.meeting_mode(room) != "large":
        return {"error": "This room holds small meetings, which do not use a video router."}
    try:
        return join_token_for(room, conn, request.remote_addr, failed=bool(data.get("reconnect")))
    except NoNodeAvailable:
        return {"error": "No video router is available right now. Retrying…", "retry": True}


def init_app(app):
    from .presence import presence_for

    app.extensions["parlor_presence"] = presence_for(app)
