"""Server-side sessions behind Flask-Login.

The cookie holds a random session token; the database holds its hash. Logging out deletes
the row, so a copied cookie replayed afterwards signs nobody in.

Nothing here commits: the view commits once, and ``persist_last_seen`` commits the loader's
"last seen" touch only for requests whose view had nothing to commit.
"""

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import g, has_request_context, request, session
from flask_login import login_user, logout_user
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

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
    if record is None or record.expires_at < now or record.user.is_disabled:
        return None
    if now - record.last_seen_at > SEEN_RESOLUTION:
        touch(record, now)
    user = record.user
    user.session_token = token
    return user


def touch(record, now):
    """Move "last seen" (and a browser session's expiry) forward, inside the request's transaction."""
    values = {"last_seen_at": now}
    if not record.remember:
        values["expires_at"] = now + BROWSER_SESSION
    db.session.execute(
        sa.update(UserSession)
        .where(UserSession.id == record.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    for name, value in values.items():
        set_committed_value(record, name, value)
    g.seen_touch = ALONE


ALONE, WITH_OTHER_WRITES = "alone", "with other writes"


class AccountDisabled(Exception):
    """Staff disabled this account: it cannot sign in."""

    def __init__(self):
        super().__init__("This account is disabled. Write to support if you think this is a mistake.")


@event.listens_for(Session, "after_flush")
def _flushed(session, context):
    if has_request_context() and g.get("seen_touch"):
        g.seen_touch = WITH_OTHER_WRITES


@event.listens_for(Session, "do_orm_execute")
def _executed(state):
    if has_request_context() and g.get("seen_touch") and (state.is_insert or state.is_update or state.is_delete):
        g.seen_touch = WITH_OTHER_WRITES


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _ended(session):
    if has_request_context():
        g.pop("seen_touch", None)  # committed with the view's work, or discarded with it


def persist_last_seen(response):
    """After the view: commit the loader's touch if the view neither committed nor rolled back
    and wrote nothing else. Writes a view left uncommitted are its decision, not ours to make."""
    if g.pop("seen_touch", None) == ALONE and not (db.session.new or db.session.dirty or db.session.deleted):
        db.session.commit()
    return response


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
    """Start a fresh server-side session and a fresh cookie for ``user`` (AccountDisabled if staff disabled it)."""
    if user.is_disabled:
        raise AccountDisabled()
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


def current_session_hash(user):
    return _hash(user.session_token) if user.session_token else None


def active_sessions(user):
    """The browsers signed in to ``user`` now, most recently seen first."""
    return db.session.scalars(
        sa.select(UserSession)
        .where(UserSession.user_id == user.id, UserSession.expires_at >= utcnow())
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
    ).all()


def end_all_sessions(user):
    """Sign out every browser of ``user`` (staff disabling the account); return how many."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user.id)
    return db.session.execute(statement.execution_options(synchronize_session=False)).rowcount


def end_other_sessions(user):
    """Sign out every browser of ``user`` but this one (their cookies stop working); return how many."""
    statement = sa.delete(UserSession).where(UserSession.user_id == user.id)
    if keep := current_session_hash(user):
        statement = statement.where(UserSession.token_hash != keep)
    ended = db.session.execute(statement.execution_options(synchronize_session=False)).rowcount
    record_event(user, "signed_out_elsewhere")
    return ended
