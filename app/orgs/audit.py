"""The organisation's audit log: one row per change, written in the same transaction as the change."""

import sqlalchemy as sa

from ..extensions import db
from .models import AuditEntry

# What each action means, in the words the audit page shows.
ACTIONS = {
    "created": "created the organisation",
    "invited": "invited",
    "invitation_resent": "sent the invitation again to",
    "invitation_revoked": "withdrew the invitation of",
    "joined": "joined",
    "removed": "removed",
    "left": "left",
    "role_changed": "changed the role of",
    "ownership_transferred": "handed ownership to",
    "seats_changed": "changed the seats",
    "room_created": "created the team room",
    "room_deleted": "deleted the team room",
    "branding_changed": "changed the branding",
    "analytics_changed": "changed usage analytics",
}


def record(org, actor, action, subject=None, subject_email=None, detail=None):
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    entry = AuditEntry(
        org_id=org.id,
        actor_id=actor.id if actor is not None else None,
        subject_id=subject.id if subject is not None else None,
        subject_email=subject_email,
        action=action,
        detail=detail[:200] if detail else None,
    )
    db.session.add(entry)
    return entry


def entries(org, limit=200):
    query = sa.select(AuditEntry).where(AuditEntry.org_id == org.id)
    return db.session.scalars(query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc()).limit(limit)).all()


def describe(entry):
    """One line for people: who did what to whom."""
    actor = entry.actor.display_label if entry.actor else "An operator or a deleted account"
    whom = entry.subject.display_label if entry.subject else (entry.subject_email or "")
    words = " ".join(part for part in (actor, ACTIONS[entry.action], whom) if part)
    return f"{words}: {entry.detail}" if entry.detail else words
