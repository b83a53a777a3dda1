from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow


class AllowedOrigin(db.Model):
    """A site (scheme, host and port) that may frame the rooms of this account."""

    __tablename__ = "embed_origins"
    __table_args__ = (sa.UniqueConstraint("user_id", "origin"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    origin: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(
        backref=sa.orm.backref("embed_origins", cascade="all, delete-orphan", passive_deletes=True)
    )
