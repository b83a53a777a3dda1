"""Consents as an append-only log; the current state is always derived from it.

Visitors who are not signed in keep their cookie-banner choice in the ``parlor_consent``
cookie; signed-in people's choices are logged here too.
"""

from datetime import datetime

import sqlalchemy as sa
from flask import request
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

NEWSLETTER = "newsletter"
DIGEST = "digest"
ACTIVITY = "activity"
ANALYTICS = "analytics"

PURPOSES = {
    NEWSLETTER: ("Newsletter", "News about Parlor, a few times a year."),
    DIGEST: ("Digests", "A monthly summary of your rooms' use: how many meetings and how long."),
    ACTIVITY: ("Activity notifications", "An email when someone knocks on your locked room while you are away."),
    ANALYTICS: (
        "Product analytics",
        "Let us record which pages you visit and when meetings in your rooms start and end, to improve Parlor.",
    ),
}

SOURCES = ("settings_page", "signup_form", "unsubscribe_link", "cookie_banner")

CONSENT_COOKIE = "parlor_consent"
COOKIE_MAX_AGE = 180 * 24 * 3600
NECESSARY_ONLY = "necessary"


class ConsentEvent(db.Model):
    """One consent given or withdrawn. Rows are only ever added, never changed."""

    __tablename__ = "consent_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    granted: Mapped[bool]
    policy_version: Mapped[str] = mapped_column(sa.String(40))
    source: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UnknownPurpose(ValueError):
    pass


def current_policy_version():
    from ..site import legal

    return legal.current("privacy-policy").version_id


def record_consent(user, purpose, granted, source):
    """Append a consent change (even a repeat: the log records every choice made)."""
    if purpose not in PURPOSES:
        raise UnknownPurpose(purpose)
    if source not in SOURCES:
        raise ValueError(f"unknown consent source {source!r}")
    event = ConsentEvent(
        user_id=user.id,
        purpose=purpose,
        granted=bool(granted),
        policy_version=current_policy_version(),
        source=source,
        created_at=utcnow(),
    )
    db.session.add(event)
    return event


def consent_state(user):
    """{purpose: latest event or None}, derived from the log."""
    state = {purpose: None for purpose in PURPOSES}
    events = db.session.scalars(
        sa.select(ConsentEvent).where(ConsentEvent.user_id == user.id).order_by(ConsentEvent.id)
    )
    for event in events:
        state[event.purpose] = event
    return state


def has_consent(user, purpose):
    latest = db.session.scalar(
        sa.select(ConsentEvent.granted)
        .where(ConsentEvent.user_id == user.id, ConsentEvent.purpose == purpose)
        .order_by(ConsentEvent.id.desc())
        .limit(1)
    )
    return bool(latest)


def users_consenting(purpose):
    """Ids of every user whose latest choice for ``purpose`` is a yes."""
    latest = (
        sa.select(ConsentEvent.user_id, sa.func.max(ConsentEvent.id).label("last_id"))
        .where(ConsentEvent.purpose == purpose)
        .group_by(ConsentEvent.user_id)
        .subquery()
    )
    query = (
        sa.select(ConsentEvent.user_id)
        .join(latest, ConsentEvent.id == latest.c.last_id)
        .where(ConsentEvent.granted.is_(True))
    )
    return list(db.session.scalars(query))


def visitor_choice():
    """The cookie banner's answer for this browser: 'analytics', 'necessary' or None (not asked yet)."""
    value = request.cookies.get(CONSENT_COOKIE, "")
    return value if value in (ANALYTICS, NECESSARY_ONLY) else None
