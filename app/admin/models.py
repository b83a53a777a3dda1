from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class StaffDevice(db.Model):
    """A browser a staff member confirmed with a second code; its cookie holds the token, we keep a hash."""

    __tablename__ = "staff_devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]


class StaffAction(db.Model):
    """The audit log: which staff member did what to which record, and when.

    ``target`` names a record by kind and number ("user", "12"), never by an address, so an
    erased account leaves only a number that no longer points anywhere. A staff member's own
    erasure detaches their rows (ON DELETE SET NULL) rather than removing the trail.
    """

    __tablename__ = "staff_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    target_type: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[str] = mapped_column(sa.String(64))
    detail: Mapped[str] = mapped_column(sa.String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.Index("ix_staff_actions_target", "target_type", "target_id"),)
