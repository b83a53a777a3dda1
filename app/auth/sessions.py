"""Server-side sessions behind Flask-Login.

The cookie holds a random session token; the database holds its hash. Logging out deletes
the row, so a copied cookie replayed afterwards signs nobody in.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import request, session
from flask_login import login_user, logout_user

from ..extensions import db, login_manager
from ..timeutil import utcnow
from .models import AccountEvent, UserSession

BROWSER_SESSION = timedelta(hours=12)
REMEMBERED_SESSION = timedelta(days=30)
SEEN_RESOLUTION = timedelta(minutes=5)


def _hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


@login_manager.user_loader
def load_user(token):
    if not token or len(token) > 100:
        return None
    record = db.session.scalar(sa.select(UserSession).where(UserSession.token_hash == _hash(token)))
    now = utcnow()
    if record is None or record.expires_at < now:
        return None
    if now - record.last_seen_at > SEEN_RESOLUTION:
        record.last_seen_at = now
        if not record.remember:
            record.expires_at = now + BROWSER_SESSION
        db.session.commit()
    user = record.user
    user.session_token = token
    return user


def record_event(user, kind):
    db.session.add(
        AccountEvent(
            user=user,
            kind=kind,
            ip=request.remote_addr,
            user_agent=(request.user_agent.string or "")[:300] or None,
        )
    )


def sign_in(user, remember=False, event="sign_in"):
    """Start a fresh server-side session and a fresh cookie for ``user``."""
    # Whatever the visitor's old session held (and its id) is gone: no fixation.
    keep = {key: session[key] for key in ("consent",) if key in session}
    session.clear()
    session.update(keep)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            token_hash=_hash(token),
            user=user,
            remember=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=now + (REMEMBERED_SESSION if remember else BROWSER_SESSION),
        )
    )
    if user.verified_at is None:
        user.verified_at = now
    record_event(user, event)
    user.session_token = token
    login_user(user, remember=remember, duration=REMEMBERED_SESSION)


def sign_out(user):
    if user.session_token:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == _hash(user.session_token)))
    record_event(user, "sign_out")
    logout_user()
    session.clear()
