import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..rooms.models import Room
from ..timeutil import utcnow


def new_meeting_id():
    return secrets.token_hex(8)


class ApiKey(db.Model):
    """A secret an account's backend sends as ``Authorization: Bearer``; we keep only its HMAC."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    last4: Mapped[str] = mapped_column(sa.String(4))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]

    owner: Mapped[User] = relationship()


class Meeting(db.Model):
    """A room created through the API; it ends at the room's ``ends_at``."""

    __tablename__ = "api_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The public ``meetingId``: random, so ids say nothing about how many meetings exist.
    public_id: Mapped[str] = mapped_column(sa.String(16), unique=True, default=new_meeting_id)
    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"), unique=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    api_key_id: Mapped[int | None] = mapped_column(sa.ForeignKey("api_keys.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    room: Mapped[Room] = relationship()


class IdempotencyRecord(db.Model):
    """The answer a key gave to a POST with an ``Idempotency-Key``, replayed when it is sent again."""

    __tablename__ = "api_idempotency"
    __table_args__ = (sa.UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_key_per_api_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    api_key_id: Mapped[int] = mapped_column(sa.ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(sa.String(255))
    request_digest: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[int]
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
