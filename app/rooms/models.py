import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..plans import SMALL
from ..timeutil import utcnow


def new_room_key():
    return secrets.token_urlsafe(16)


class Room(db.Model):
    __tablename__ = "rooms"
    # Ids are never reused (SQLite would hand a deleted room's id to the next one), and the
    # random key names this room's identity in tickets and notices on top of that.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)
    key: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_room_key)
    # The secret in the room's host link: whoever opens the link hosts. Regenerating revokes it.
    host_key: Mapped[str] = mapped_column(sa.String(32), unique=True, default=new_room_key)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # One of app.plans.MODES; claim_room picks the plan's default.
    mode: Mapped[str] = mapped_column(sa.String(10), default=SMALL)
    locked: Mapped[bool] = mapped_column(default=False)
    # Set for meetings made through the API: no joins after it, and ``flask purge`` deletes the room.
    ends_at: Mapped[datetime | None] = mapped_column(index=True)
    # A team room belongs to an organisation (its owner_id follows the organisation's owner);
    # members host it, and a members-only one makes everyone else knock.
    org_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    members_only: Mapped[bool] = mapped_column(default=False)
    # May people open apps (YouTube, Google files, Trello, Miro) together? None follows the plan.
    apps: Mapped[bool | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[User] = relationship(
        backref=sa.orm.backref("rooms", cascade="all, delete-orphan", order_by="Room.created_at")
    )

    def has_ended(self, now):
        return self.ends_at is not None and now >= self.ends_at
    @property
    def plan_key(self):
        """The plan the room's meetings follow: Business for team rooms, else the owner's."""
        return "business" if self.org_id is not None else self.owner.plan

    def is_owned_by(self, user):
        return user is not None and getattr(user, "is_authenticated", False) and user.id == self.owner_id
