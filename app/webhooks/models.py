"""Webhook endpoints and the outbox of their deliveries.

The outbox is the delivery worker's only state: a delivery is a row until it is delivered or
given up, so a restart (or a crash in the middle of a request) loses nothing. Receivers
de-duplicate by ``event_id``, which every attempt of one event carries unchanged.
"""

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow

EVENTS = ("room.client.joined", "room.client.left", "room.knock", "meeting.started", "meeting.ended")

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"


def new_secret():
    return "whsec_" + secrets.token_urlsafe(24)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(sa.String(500))
    events: Mapped[str] = mapped_column(sa.String(200))  # space-separated subset of EVENTS
    # Kept as written because signing needs it; shown to the account once, when it is made.
    secret: Mapped[str] = mapped_column(sa.String(64), default=new_secret)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(
        backref=sa.orm.backref("webhook_endpoints", cascade="all, delete-orphan", passive_deletes=True)
    )

    @property
    def event_list(self):
        return self.events.split()

    def wants(self, event_type):
        return event_type in self.event_list


class WebhookDelivery(db.Model):
    __tablename__ = "webhook_deliveries"
    __table_args__ = (sa.UniqueConstraint("endpoint_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(sa.ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[str] = mapped_column(sa.String(40))
    event_type: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[str] = mapped_column(sa.Text)  # the exact body every attempt sends
    status: Mapped[str] = mapped_column(sa.String(10), default=PENDING, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    last_attempt_at: Mapped[datetime | None]
    last_response_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    endpoint: Mapped[WebhookEndpoint] = relationship(
        backref=sa.orm.backref("deliveries", cascade="all, delete-orphan", passive_deletes=True)
    )
