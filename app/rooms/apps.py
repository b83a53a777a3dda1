"""Apps in a meeting: a YouTube video, a Google file, a Trello or Miro board opened for everyone.

Browsers embed each app from its service's own embed origin (``INTEGRATION_ORIGINS``), built from a
service name and a content id, never from a URL someone sent: the server passes on only a service
it knows and an id that matches that service's pattern, so a relayed message cannot point anyone's
frame anywhere else. What is open, and where a video is, lives only in the browsers: a late
joiner asks the others. The server relays these messages to the people in the meeting and keeps
nothing: not the link, not the id, not who opened what, not even in its logs.
"""

import re

from flask import current_app

from ..extensions import db
from ..plans import get_plan
from .connections import MeetingError, presence, room_channel, transport
from .hosting import NotInMeeting, is_host
from .models import Room

# Content ids each service's embed takes. The browser (static/js/room/apps.js) reads them out of
# pasted links with the same patterns; a Google content id carries its kind of file.
CONTENT_PATTERNS = {
    "youtube": re.compile(r"^[A-Za-z0-9_-]{11}$"),
    "google": re.compile(r"^(document|spreadsheets|presentation)/[A-Za-z0-9_-]{10,100}$"),
    "drive": re.compile(r"^[A-Za-z0-9_-]{10,100}$"),
    "trello": re.compile(r"^[A-Za-z0-9]{8}$"),
    "miro": re.compile(r"^[A-Za-z0-9_=-]{10,40}$"),
}
CONTROLS = ("play", "pause", "seek")
MAX_POSITION = 24 * 3600.0


def enabled(room):
    """Apps are on when the owner says so, else on for paid plans."""
    return room.apps if room.apps is not None else get_plan(room.plan_key).paid


def origins():
    configured = current_app.config["INTEGRATION_ORIGINS"]
    return sorted({configured[service] for service in CONTENT_PATTERNS if configured.get(service)})


def check_content(service, content):
    pattern = CONTENT_PATTERNS.get(service)
    if pattern is None or not isinstance(content, str) or not pattern.match(content):
        raise MeetingError("Only links to YouTube videos, Google files, Trello boards and Miro boards can be opened.")
    return content


def check_position(value):
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= MAX_POSITION:
        raise MeetingError("A position must be a number of seconds.")
    return round(float(value), 2)


def _room(conn):
    room = db.session.get(Room, conn.room_id)
    if room is None or not enabled(room):
        raise MeetingError("Apps are switched off in this room.")
    return room


def locked(room_id):
    return any(p.get("apps_locked") for p in presence().members(room_id))


def _relay(conn, event, payload, to=None):
    payload = dict(payload, by=conn.pid)
    if to is None:
        transport().emit(event, payload, to=room_channel(conn.room_id), skip_sid=conn.sid)
    else:
        target = presence().get(conn.room_id, to)
        if target is None or to == conn.pid:
            raise NotInMeeting()
        transport().emit(event, payload, to=target["sid"])
    return {"status": "ok"}


def open_app(conn, service, content):
    room = _room(conn)
    if locked(room.id) and not is_host(conn):
        raise MeetingError("The host has stopped others from opening apps.")
    return _relay(conn, "app-open", {"service": service, "content": check_content(service, content)})


def close_app(conn):
    _room(conn)
    return _relay(conn, "app-close", {})


def control(conn, action, position):
    """Play, pause or seek in the open video, from someone's player, for everyone's."""
    _room(conn)
    if action not in CONTROLS:
        raise MeetingError("Unknown player action.")
    return _relay(conn, "app-control", {"action": action, "position": check_position(position)})


def ask(conn):
    """A joiner asks whoever has an app open to tell them what, and where it is."""
    _room(conn)
    return _relay(conn, "app-ask", {})


def tell(conn, to, service, content, position, playing):
    """The answer to one joiner's ask: sent to them alone."""
    _room(conn)
    payload = {
        "service": service,
        "content": check_content(service, content),
        "position": check_position(position),
        "playing": bool(playing),
    }
    return _relay(conn, "app-state", payload, to=to)


def set_locked(conn, value):
    """A host stops (or lets again) the others open apps; it lasts while that host is here."""
    _room(conn)
    if not is_host(conn):
        raise MeetingError("Only a host can stop others from opening apps.")
    presence().update(conn.room_id, conn.pid, apps_locked=bool(value))
    conn.remember(apps_locked=bool(value))  # put back as it stands if Redis forgets presence
    state = locked(conn.room_id)
    transport().emit("apps-locked", {"locked": state}, to=room_channel(conn.room_id))
    return {"status": "ok", "locked": state}


def host_left(room_id, entry):
    """A host who stopped others opening apps has gone: the stop goes with them."""
    if entry.get("apps_locked"):
        transport().emit("apps-locked", {"locked": locked(room_id)}, to=room_channel(room_id))


def lobby_settings(room):
    """What the room page needs: whether apps are on, and where each service embeds from."""
    if not enabled(room):
        return None
    configured = current_app.config["INTEGRATION_ORIGINS"]
    return {service: configured[service] for service in CONTENT_PATTERNS if configured.get(service)}
