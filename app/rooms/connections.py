"""Per-connection state for Socket.IO: who each socket is, its rate limits, and safe handlers."""

import logging
import threading
from dataclasses import dataclass, field

from flask import current_app, request

from ..extensions import db, socketio
from .ratelimit import TokenBucket
from .validation import Invalid, validate

log = logging.getLogger("parlor.rooms")


@dataclass
class Connection:
    room_id: int
    pid: str
    uid: int | None
    host: bool
    name: str = ""
    joined: bool = False
    buckets: dict = field(
        default_factory=lambda: {
            "event": TokenBucket(rate=30, burst=60),
            "chat": TokenBucket(rate=1, burst=5),
            "knock": TokenBucket(rate=0.2, burst=2),
        }
    )


_connections = {}
_connections_lock = threading.Lock()


def presence():
    return current_app.extensions["parlor_presence"]


def room_channel(room_id):
    return f"room:{room_id}"


def host_channel(room_id):
    return f"host:{room_id}"


def public(participant):
    """What other participants may see of someone: never their socket id or account."""
    return {key: participant.get(key) for key in ("id", "name", "host", "muted", "camera", "screen")}


def current_connection():
    with _connections_lock:
        return _connections.get(request.sid)


def handler(event, schema=None, bucket="event", joined=True):
    """Register a Socket.IO event that is rate-limited, validated and never raises."""

    def decorator(function):
        def wrapper(data=None):
            conn = current_connection()
            if conn is None:
                return {"error": "Not connected to a room."}
            if not conn.buckets["event"].take() or (bucket != "event" and not conn.buckets[bucket].take()):
                return {"error": "Too many messages. Slow down a little."}
            if joined and not conn.joined:
                return {"error": "Join the meeting first."}
            try:
                payload = validate(schema, data) if schema else {}
                return function(conn, payload)
            except Invalid as error:
                return {"error": str(error)}
            except Exception:
                db.session.rollback()
                log.exception("socket event %s failed", event)
                return {"error": "Something went wrong. Please try again."}

        wrapper.__name__ = f"on_{event.replace('-', '_')}"
        socketio.on_event(event, wrapper)
        return function

    return decorator


def register(sid, connection):
    with _connections_lock:
        _connections[sid] = connection


def unregister(sid):
    with _connections_lock:
        return _connections.pop(sid, None)


def connection_of(sid):
    with _connections_lock:
        return _connections.get(sid)
