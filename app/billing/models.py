"""Billing records: who is which Stripe customer, the transaction ledger, and the webhook events seen."""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow

CHARGE = "charge"
REFUND = "refund"

# Stripe subscription statuses that keep a paid plan (past_due only within the grace period).
LIVE_STATUSES = ("active", "trialing", "past_due")


class BillingAccount(db.Model):
    """An account's Stripe customer, its subscription as Stripe last told us, and its billing details."""

    __tablename__ = "billing_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    stripe_customer_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(sa.String(255))
    subscribed_plan: Mapped[str | None] = mapped_column(sa.String(20))
    status: Mapped[str | None] = mapped_column(sa.String(30))
    current_period_end: Mapped[datetime | None]
    cancel_at_period_end: Mapped[bool] = mapped_column(default=False)
    payment_failed_at: Mapped[datetime | None]
    failed_invoice_id: Mapped[str | None] = mapped_column(sa.String(255))
    grace_until: Mapped[datetime | None]

    billing_email: Mapped[str | None] = mapped_column(sa.String(254))
    billing_name: Mapped[str | None] = mapped_column(sa.String(100))
    billing_country: Mapped[str | None] = mapped_column(sa.String(2))
    billing_line1: Mapped[str | None] = mapped_column(sa.String(200))
    billing_postal_code: Mapped[str | None] = mapped_column(sa.String(20))
    billing_city: Mapped[str | None] = mapped_column(sa.String(100))
    # Country of the client IP the last time the customer acted (checkout, new card, plan change).
    location_country: Mapped[str | None] = mapped_column(sa.String(2))

    card_brand: Mapped[str | None] = mapped_column(sa.String(30))
    card_last4: Mapped[str | None] = mapped_column(sa.String(4))
    card_exp_month: Mapped[int | None]
    card_exp_year: Mapped[int | None]

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    user: Mapped[User] = relationship(backref=backref("billing_account", uselist=False, cascade="all, delete-orphan"))

    @property
    def live(self):
        return self.stripe_subscription_id is not None and self.status in LIVE_STATUSES

    @property
    def in_grace(self):
        """Payment failed but the plan still applies (until ``grace_until``)."""
        return self.status == "past_due" and self.grace_until is not None and utcnow() < self.grace_until

    @property
    def billing_address(self):
        """The postal address as one line, or None when none was given."""
        parts = [self.billing_line1, " ".join(p for p in (self.billing_postal_code, self.billing_city) if p)]
        text = ", ".join(p for p in parts if p)
        return text or None


class LedgerEntry(db.Model):
    """One charge or refund, kept for the bookkeeping period even after the account is gone.

    Rows are written once and never changed: the only update allowed is the database's
    ON DELETE SET NULL when the account is deleted.
    """

    __tablename__ = "billing_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3))
    description: Mapped[str] = mapped_column(sa.String(200))
    billing_email: Mapped[str | None] = mapped_column(sa.String(254))
    billing_name: Mapped[str | None] = mapped_column(sa.String(100))
    billing_country: Mapped[str | None] = mapped_column(sa.String(2))
    billing_address: Mapped[str | None] = mapped_column(sa.String(400))
    location_country: Mapped[str | None] = mapped_column(sa.String(2))
    # What makes a row unique: the invoice for a charge, the refund for a refund.
    stripe_ref: Mapped[str] = mapped_column(sa.String(255), unique=True)
    stripe_customer_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_subscription_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_invoice_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_charge_id: Mapped[str | None] = mapped_column(sa.String(255))
    stripe_payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("kind IN ('charge', 'refund')", name="kind"),
        sa.CheckConstraint("amount_cents >= 0", name="amount_not_negative"),
    )

    @property
    def signed_cents(self):
        return -self.amount_cents if self.kind == REFUND else self.amount_cents


@sa.event.listens_for(LedgerEntry, "before_update")
def _ledger_rows_are_immutable(mapper, connection, target):
    raise ValueError("Ledger entries cannot be changed once written.")


class StripeEvent(db.Model):
    """A webhook event already handled. The unique id is what makes duplicates and retries harmless."""

    __tablename__ = "stripe_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
