"""Room tickets: the lobby's signed statement of who a participant is.

Socket.IO handlers and the TURN endpoint trust only this (and the session), never ids that a
client sends. A ticket names the room by its id *and* its random key, so a ticket for a deleted
room never opens another room that came later. It does not say who hosts: that is decided again
from the current owner, and the room's current host key, on every connection. A ticket issued
through the host link carries only a digest of that key (``hk``): tickets are signed, not secret.
"""

import secrets
import time

from flask import current_app, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

TICKET_MAX_AGE = 12 * 3600
VISITOR_KEY = "visitor"  # the session's random visitor id: recognises a removed person who reloads


class InvalidTicket(Exception):
    """Missing, forged, expired, or for a room that no longer exists."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="parlor-room-ticket")


def visitor_id():
    """This browser session's visitor id (set once, kept in the signed session cookie)."""
    if VISITOR_KEY not in session:
        session[VISITOR_KEY] = secrets.token_urlsafe(9)
    return session[VISITOR_KEY]


def issue_ticket(room, user=None, host_link=None, embed_name=None):
    """``host_link`` is the digest of the host key the visitor presented, already checked.

    ``embed_name`` is the ``displayName`` an embedding site passed in the room URL: the only
    name that the site's webhooks may carry (``dn``).
    """
    payload = {
        "room": room.id,
        "rk": room.key,
        "pid": secrets.token_urlsafe(9),
        "vid": visitor_id(),
        "uid": user.id if user is not None and user.is_authenticated else None,
        "iat": int(time.time()),
        "hk": host_link,
    }
    if embed_name:
        payload["dn"] = embed_name
    return _serializer().dumps(payload), payload


def read_ticket(token):
    if not isinstance(token, str) or len(token) > 512:
        raise InvalidTicket()
    try:
        payload = _serializer().loads(token, max_age=TICKET_MAX_AGE)
    except BadSignature:
        raise InvalidTicket() from None
    if not isinstance(payload, dict) or not {"room", "rk", "pid", "vid", "uid", "iat"} <= payload.keys():
        raise InvalidTicket()
    return payload


def marks(ticket):
    """Everything that identifies the ticket's holder to a kick: participant, visitor, account."""
    found = [f"p:{ticket['pid']}", f"v:{ticket['vid']}"]
    if ticket["uid"] is not None:
        found.append(f"u:{ticket['uid']}")
    return found
