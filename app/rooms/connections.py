"""Per-connection state for Socket.IO: who each socket is, its rate limits, and safe handlers.

The registry lives on the app (``app.extensions``), not in a module global, so two apps in one
process (tests, several workers' test doubles) never see each other's sockets.
"""

import logging
import threading
from dataclasses import dataclass, field

from flask import current_app, request
from flask_socketio import disconnect

from ..extensions import db, socketio
from .ratelimit import TokenBucket
from .validation import Invalid, validate

log = logging.getLogger("parlor.rooms")

REPLACED = "This window was replaced by a newer connection for the same person."


@dataclass
class Connection:
    sid: str
    room_id: int
    pid: str
    uid: int | None
    host: bool  # the owner, or a holder of the host link (then ``host_link`` is its digest)
    marks: list  # what a kick remembers: participant, visitor and account ids
    ip: str | None = None
    host_link: str | None = None
    by_rule: bool = False  # hosts through a host rule (an organisation's member), re-checked each time
    picture: str | None = None
    # The lobby's median round-trip times to nearby nodes ({node id: ms}), for placing the room.
    rtt: dict = field(default_factory=dict)
    embed_name: str | None = None  # the name an embedding site put in the room URL, for its webhooks
    name: str = ""
    joined: bool = False
    # What this socket put into presence, so a worker can put it back if Redis forgets (recovery.py).
    entry: dict | None = None
    knock: dict | None = None
    buckets: dict = field(
        default_factory=lambda: {
            "event": TokenBucket(rate=30, burst=60),
            "chat": TokenBucket(rate=1, burst=5),
            "knock": TokenBucket(rate=0.2, burst=2),
            "reaction": TokenBucket(rate=1, burst=4),
        }
    )

    def remember(self, **fields):
        """Keep this worker's copy of the socket's presence entry current, for ``recovery.py``."""
        if self.entry is not None:
            self.entry.update(fields)


class Connections:
    """The sockets this worker holds, by sid."""

    def __init__(self):
        self._lock = threading.Lock()
        self._by_sid = {}

    def add(self, connection):
        with self._lock:
            self._by_sid[connection.sid] = connection

    def pop(self, sid):
        with self._lock:
            return self._by_sid.pop(sid, None)

    def get(self, sid):
        with self._lock:
            return self._by_sid.get(sid)

    def all(self):
        with self._lock:
            return list(self._by_sid.values())


def connections():
    return current_app.extensions["parlor_connections"]


def presence():
    return current_app.extensions["parlor_presence"]


def recovery():
    """Puts this worker's sockets back into presence if Redis forgot them (``recovery.py``)."""
    return current_app.extensions["parlor_recovery"]


def transport():
    """How the meeting services reach sockets, on this worker or another (see ``events.py``)."""
    return current_app.extensions["parlor_transport"]


def room_channel(room_id):
    return f"room:{room_id}"


class MeetingError(Exception):
    """A meeting action that cannot happen. ``answer`` is what the client is told."""

    def __init__(self, message="", **answer):
        super().__init__(message)
        self.extra = answer

    def answer(self):
        answer = {"error": str(self)} if str(self) else {}
        answer.update(self.extra)
        return answer


def handler(event, schema=None, bucket="event", joined=True):
    """Register a Socket.IO event that is rate-limited, validated, current and never raises.

    Only the one socket that speaks for a participant gets through: a socket replaced by a newer
    one (same ticket in another tab, or a reconnect) is disconnected at its next event. Service
    errors become the client's answer; a success commits the request's one transaction.
    """

    def decorator(function):
        def wrapper(data=None):
            conn = connections().get(request.sid)
            if conn is None:
                return {"error": "Not connected to a room."}
            if not conn.buckets["event"].take() or (bucket != "event" and not conn.buckets[bucket].take()):
                return {"error": "Too many messages. Slow down a little."}
            speaker = presence().socket_of(conn.room_id, conn.pid)
            if speaker is None and recovery().check():  # Redis forgot everyone; this worker's sockets are back
                speaker = presence().socket_of(conn.room_id, conn.pid)
            if speaker != conn.sid:
                disconnect()
                return {"error": REPLACED}
            if joined and not conn.joined:
                return {"error": "Join the meeting first."}
            try:
                payload = validate(schema, data) if schema else {}
                answer = function(conn, payload)
                db.session.commit()
                return answer
            except (Invalid, MeetingError) as error:
                db.session.rollback()
                return error.answer() if isinstance(error, MeetingError) else {"error": str(error)}
            except Exception:
                db.session.rollback()
                log.exception("socket event %s failed", event)
                return {"error": "Something went wrong. Please try again."}

        wrapper.__name__ = f"on_{event.replace('-', '_')}"
        socketio.on_event(event, wrapper)
        return function

    return decorator
