"""Socket.IO events for rooms: each one translated into a call on the meeting service.

Who a connection is comes from the room ticket the lobby signed (and the login session it was
issued to), never from ids in event payloads. The rules live in ``meetings.py``; this module only
turns events into calls, answers into acknowledgements, and carries the service's messages to
sockets. Nothing here depends on eventlet or threads; the async mode is a setting.
"""

from flask import current_app, request
from flask_login import current_user
from flask_socketio import ConnectionRefusedError

from ..extensions import db, socketio
from . import apps, breakout, e2ee, hosting, meetings, modes, recording, stage
from .connections import Connections, MeetingError, connections, handler, recovery
from .presence import Presence
from .presence_redis import RedisPresence
from .recovery import Recovery

NAMESPACE = "/"


class SocketTransport:
    """How the meeting service reaches sockets, on this worker or (through the queue) another."""

    def emit(self, event, payload, to, skip_sid=None):
        socketio.emit(event, payload, to=to, skip_sid=skip_sid, namespace=NAMESPACE)

    def enter(self, sid, channel):
        socketio.server.enter_room(sid, channel, namespace=NAMESPACE)

    def leave(self, sid, channel):
        socketio.server.leave_room(sid, channel, namespace=NAMESPACE)

    def disconnect(self, sid):
        socketio.server.disconnect(sid, namespace=NAMESPACE)


@socketio.on("connect")
def on_connect(auth=None):
    token = auth.get("ticket") if isinstance(auth, dict) else None
    try:
        conn = meetings.open_connection(token, current_user, request.sid, request.remote_addr)
        db.session.commit()
    except MeetingError as error:
        db.session.rollback()
        raise ConnectionRefusedError(str(error)) from None
    connections().add(conn)
    if current_app.config.get("REDIS_URL"):
        recovery().check()  # the first socket adopts Redis's epoch; later ones find nothing to do
        recovery().watch(current_app._get_current_object())


@socketio.on("disconnect")
def on_disconnect(*args):
    conn = connections().pop(request.sid)
    if conn is not None:
        meetings.close_connection(conn)
        db.session.commit()


@handler(
    "join",
    schema={"name": "name", "muted?": bool, "camera?": bool, "key?": "public-key", "rtt?": "rtt"},
    joined=False,
)
def on_join(conn, data):
    if conn.joined:
        return {"error": "You are already in the meeting."}
    return meetings.join(
        conn,
        data["name"],
        muted=data.get("muted", False),
        camera=data.get("camera", True),
        key=data.get("key"),
        rtt=data.get("rtt"),
    )


@handler("knock", schema={"name": "name"}, bucket="knock", joined=False)
def on_knock(conn, data):
    return meetings.knock(conn, data["name"])


@handler("admit", schema={"id": "id"})
def on_admit(conn, data):
    return hosting.answer_knock(conn, data["id"], admitted=True)


@handler("deny", schema={"id": "id"})
def on_deny(conn, data):
    return hosting.answer_knock(conn, data["id"], admitted=False)


@handler("admit-all")
def on_admit_all(conn, data):
    return hosting.answer_everyone(conn, admitted=True)


@handler("deny-all")
def on_deny_all(conn, data):
    return hosting.answer_everyone(conn, admitted=False)


@handler("waiting")
def on_waiting(conn, data):
    return hosting.waiting(conn)


@handler("promote", schema={"id": "id"})
def on_promote(conn, data):
    return hosting.promote(conn, data["id"])


@handler("demote", schema={"id": "id"})
def on_demote(conn, data):
    return hosting.demote(conn, data["id"])


@handler("mute", schema={"id": "id"})
def on_mute(conn, data):
    return hosting.mute(conn, data["id"], "audio")


@handler("stop-camera", schema={"id": "id"})
def on_stop_camera(conn, data):
    return hosting.mute(conn, data["id"], "video")


@handler("mute-all")
def on_mute_all(conn, data):
    return hosting.mute_everyone(conn)


@handler("raise-hand")
def on_raise_hand(conn, data):
    return stage.raise_hand(conn)


@handler("lower-hand", schema={"id?": "id"})
def on_lower_hand(conn, data):
    return stage.lower_hand(conn, data.get("id"))


@handler("reaction", schema={"emoji": "reaction"}, bucket="reaction")
def on_reaction(conn, data):
    return stage.react(conn, data["emoji"])


@handler("spotlight", schema={"id?": "id"})
def on_spotlight(conn, data):
    return stage.spotlight(conn, data.get("id"))


@handler("signal", schema={"to": "id", "gen?": "id", "description?": "sdp", "candidate?": "candidate"})
def on_signal(conn, data):
    message = {key: data[key] for key in ("gen", "description", "candidate") if key in data}
    return meetings.relay_signal(conn, data["to"], message)


@handler("switched", schema={"via": "via"})
def on_switched(conn, data):
    return modes.announce_switched(conn, data["via"])


@handler("media-key", schema={"to": "id", "index": "key-index", "iv": "iv", "key": "sealed-key"})
def on_media_key(conn, data):
    return e2ee.relay_media_key(conn, data["to"], data["index"], data["iv"], data["key"])


@handler("media", schema={"muted": bool, "camera": bool, "screen?": bool, "screen_stream?": "stream"})
def on_media(conn, data):
    screen = bool(data.get("screen"))
    return meetings.share_media_state(conn, data["muted"], data["camera"], screen, data.get("screen_stream"))


@handler("chat", schema={"text": "chat"}, bucket="chat")
def on_chat(conn, data):
    return meetings.chat(conn, data["text"])


@handler("kick", schema={"id": "id"})
def on_kick(conn, data):
    return meetings.kick(conn, data["id"])


@handler("lock", schema={"locked": bool})
def on_lock(conn, data):
    return meetings.set_locked(conn, data["locked"])


@handler("recording", schema={"active": bool})
def on_recording(conn, data):
    return recording.start(conn) if data["active"] else recording.stop(conn)


@handler("recording-answer", schema={"include": bool})
def on_recording_answer(conn, data):
    return recording.answer(conn, data["include"])


@handler("app-open", schema={"service": "token", "content": "token"})
def on_app_open(conn, data):
    return apps.open_app(conn, data["service"], data["content"])


@handler("app-close")
def on_app_close(conn, data):
    return apps.close_app(conn)


@handler("app-control", schema={"action": "token", "position": float})
def on_app_control(conn, data):
    return apps.control(conn, data["action"], data["position"])


@handler("app-ask")
def on_app_ask(conn, data):
    return apps.ask(conn)


@handler("app-state", schema={"to": "id", "service": "token", "content": "token", "position": float, "playing": bool})
def on_app_state(conn, data):
    return apps.tell(conn, data["to"], data["service"], data["content"], data["position"], data["playing"])


@handler("apps-lock", schema={"locked": bool})
def on_apps_lock(conn, data):
    return apps.set_locked(conn, data["locked"])


@handler("breakout-open", schema={"count": int, "assignments?": "assignments", "minutes?": int})
def on_breakout_open(conn, data):
    return breakout.open_groups(conn, data["count"], data.get("assignments"), data.get("minutes", 0))


@handler("breakout-move", schema={"id": "id", "group": int})
def on_breakout_move(conn, data):
    return breakout.move(conn, data["id"], data["group"])


@handler("breakout-broadcast", schema={"text": "chat"}, bucket="chat")
def on_breakout_broadcast(conn, data):
    return breakout.broadcast(conn, data["text"])


@handler("breakout-close")
def on_breakout_close(conn, data):
    return breakout.close(conn)


@handler("leave")
def on_leave(conn, data):
    return meetings.leave(conn)


@handler("presence")
def on_presence(conn, data):
    return meetings.ping(conn)


@handler("sfu")
def on_sfu(conn, data):
    return meetings.node_grant(conn)


def init_app(app):
    url = app.config.get("REDIS_URL")
    app.extensions["parlor_presence"] = RedisPresence(url) if url else Presence()
    app.extensions["parlor_connections"] = Connections()
    app.extensions["parlor_recovery"] = Recovery()
    app.extensions["parlor_transport"] = SocketTransport()
