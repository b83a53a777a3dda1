from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow

OPEN = "open"
CLOSED = "closed"


class SupportTicket(db.Model):
    __tablename__ = "support_tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    subject: Mapped[str] = mapped_column(sa.String(150))
    message: Mapped[str] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(10), default=OPEN)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    closed_at: Mapped[datetime | None]
    mailed_at: Mapped[datetime | None]
    # When our staff last answered by email (the answer itself is in the email, not stored here).
    replied_at: Mapped[datetime | None]

    @property
    def is_closed(self):
        return self.status == CLOSED

    def close(self, when=None):
        self.status = CLOSED
        self.closed_at = when or utcnow()
