from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

# The only kinds of analytics event Parlor records.
KINDS = ("page_visited", "room_visited", "meeting_started", "meeting_ended")


class UsageEvent(db.Model):
    """One product analytics event. Never conversation content or participants' names."""

    __tablename__ = "usage_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30), index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rooms.id", ondelete="SET NULL"), index=True)
    path: Mapped[str | None] = mapped_column(sa.String(200))
    duration_seconds: Mapped[int | None]
    peak_participants: Mapped[int | None]
    device_type: Mapped[str | None] = mapped_column(sa.String(20))
    os: Mapped[str | None] = mapped_column(sa.String(40))
    browser: Mapped[str | None] = mapped_column(sa.String(40))
    country: Mapped[str | None] = mapped_column(sa.String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
