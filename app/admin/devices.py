"""Staff devices: a second code before a new browser may open the console.

Staff sign in like everyone (one code to their address). The first time a browser opens
``/admin`` it must also show a second code, sent for that purpose only; the browser then keeps
a random token in a cookie scoped to ``/admin`` and we keep its hash, so ending a device (or
disabling the account) is deleting a row.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app, request

from ..auth.codes import check_code_and_commit, send_code_and_commit
from ..auth.identifiers import EMAIL, PHONE, Identifier
from ..extensions import db
from ..timeutil import utcnow
from .models import StaffDevice

STAFF_DEVICE = "staff_device"
COOKIE = "parlor_staff_device"
COOKIE_PATH = "/admin"


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def lifetime():
    return timedelta(days=current_app.config["STAFF_DEVICE_DAYS"])


def trusted_device(user):
    """The confirmed device this request comes from, or None."""
    token = request.cookies.get(COOKIE, "")
    if not token or len(token) > 100:
        return None
    return db.session.scalar(
        sa.select(StaffDevice).where(
            StaffDevice.token_hash == _hash(token),
            StaffDevice.user_id == user.id,
            StaffDevice.expires_at > utcnow(),
        )
    )


def code_destination(user):
    return Identifier(EMAIL, user.email) if user.email else Identifier(PHONE, user.phone)


def send_device_code_and_commit(user):
    """Send the second code; raises TooManyCodes or DeliveryFailed like every code."""
    return send_code_and_commit(
        code_destination(user), STAFF_DEVICE, "confirm a new device for the Parlor staff console", user=user
    )


def confirm_device(user, code_id, code):
    """Accept the second code (CodeError if wrong) and return (device, cookie token); flushed only."""
    check_code_and_commit(code_id, code, STAFF_DEVICE, user=user)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    device = StaffDevice(user_id=user.id, token_hash=_hash(token), created_at=now, last_used_at=now)
    device.expires_at = now + lifetime()
    db.session.add(device)
    db.session.flush()
    return device, token


def set_cookie(response, token):
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(lifetime().total_seconds()),
        path=COOKIE_PATH,
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        httponly=True,
        samesite="Strict",
    )


def forget_devices(user):
    db.session.execute(sa.delete(StaffDevice).where(StaffDevice.user_id == user.id))
