from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow

# Room.mode: "normal" follows the owner's plan; "group" always uses the SFU (operators).
NORMAL = "normal"
GROUP = "group"


class Room(db.Model):
    __tablename__ = "rooms"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(sa.String(10), default=NORMAL)
    locked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(
        backref=sa.orm.backref("rooms", cascade="all, delete-orphan", order_by="Room.created_at")
    )

    def is_owned_by(self, user):
        return user is not None and getattr(user, "is_authenticated", False) and user.id == self.owner_id
