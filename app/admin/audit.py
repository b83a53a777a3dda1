"""The staff audit log: one row per staff action, added to the action's own transaction."""

import sqlalchemy as sa

from ..extensions import db
from .models import StaffAction


def record(staff, action, target_type, target_id, detail=""):
    """Log ``action`` by ``staff`` (None: an operator at the command line) on a record; flushes nothing."""
    entry = StaffAction(
        staff_id=staff.id if staff is not None else None,
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        detail=detail[:200],
    )
    db.session.add(entry)
    return entry


def recent(limit=200):
    return db.session.scalars(sa.select(StaffAction).order_by(StaffAction.id.desc()).limit(limit)).all()
