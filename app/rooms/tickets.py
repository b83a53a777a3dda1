"""Room tickets: the lobby's signed statement of who a participant is.

Socket.IO handlers and the TURN endpoint trust only this (and the session), never ids
that a client sends.
"""

import secrets

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

TICKET_MAX_AGE = 12 * 3600


class InvalidTicket(Exception):
    """Missing, forged or expired."""


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="parlor-room-ticket")


def issue_ticket(room, user=None):
    payload = {
        "room": room.id,
        "pid": secrets.token_urlsafe(9),
        "uid": user.id if user is not None and user.is_authenticated else None,
        "host": room.is_owned_by(user),
    }
    return _serializer().dumps(payload), payload


def read_ticket(token):
    if not isinstance(token, str) or len(token) > 512:
        raise InvalidTicket()
    try:
        payload = _serializer().loads(token, max_age=TICKET_MAX_AGE)
    except BadSignature:
        raise InvalidTicket() from None
    if not isinstance(payload, dict) or not {"room", "pid", "uid", "host"} <= payload.keys():
        raise InvalidTicket()
    return payload
