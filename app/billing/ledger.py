"""The transaction ledger: one immutable row per charge or refund.

Rows are inserted with ON CONFLICT DO NOTHING on their Stripe reference, so the checkout
request and any number of webhook deliveries for the same payment leave exactly one row,
whoever gets there first and however concurrently.
"""

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..plans import PLANS
from ..timeutil import utcnow
from . import stripe_api
from .models import CHARGE, REFUND, LedgerEntry, StripeEvent

RETENTION_DAYS = 3650  # bookkeeping law: at least five years; we keep ten, then purge


def insert_once(model, **values):
    """Insert a row unless one with the same unique key exists; True when this call inserted it."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        statement = postgresql.insert(model.__table__)
    elif dialect == "sqlite":
        statement = sqlite.insert(model.__table__)
    else:  # pragma: no cover - the two databases Parlor supports
        raise RuntimeError(f"unsupported database: {dialect}")
    # RETURNING says whether a row went in; rowcount is not reliable for this on every driver.
    statement = statement.values(**values).on_conflict_do_nothing().returning(model.__table__.c.id)
    return db.session.execute(statement).first() is not None


def mark_event_seen(event_id, event_type):
    """Record a webhook event; False when it was already recorded (a duplicate or a retry)."""
    return insert_once(StripeEvent, event_id=event_id, type=event_type[:100], received_at=utcnow())


def _billing_details(account, location_country):
    return {
        "user_id": account.user_id,
        "billing_email": account.billing_email,
        "billing_name": account.billing_name,
        "billing_country": account.billing_country,
        "billing_address": account.billing_address,
        "location_country": location_country if location_country is not None else account.location_country,
        "stripe_customer_id": account.stripe_customer_id,
    }


def describe(plan_key):
    plan = PLANS.get(plan_key)
    return f"Parlor {plan.name}, one month" if plan else "Parlor subscription"


def record_invoice_payment(account, invoice, plan_key, location_country=None):
    """A paid invoice becomes a charge row (once). Unpaid or free invoices are not transactions."""
    amount = int(stripe_api.field(invoice, "amount_paid", default=0))
    if stripe_api.field(invoice, "status") != "paid" or amount <= 0:
        return False
    charge, intent = stripe_api.payment_of_invoice(invoice)
    return insert_once(
        LedgerEntry,
        kind=CHARGE,
        amount_cents=amount,
        currency=stripe_api.field(invoice, "currency", default="eur"),
        description=describe(plan_key),
        stripe_ref=invoice["id"],
        stripe_subscription_id=stripe_api.subscription_of_invoice(invoice),
        stripe_invoice_id=invoice["id"],
        stripe_charge_id=charge,
        stripe_payment_intent_id=intent,
        occurred_at=stripe_api.paid_at(invoice) or utcnow(),
        recorded_at=utcnow(),
        **_billing_details(account, location_country),
    )


def record_refund(account, refund, charge):
    if stripe_api.field(refund, "status") not in ("succeeded", "pending"):
        return False
    return insert_once(
        LedgerEntry,
        kind=REFUND,
        amount_cents=int(refund["amount"]),
        currency=stripe_api.field(refund, "currency", default="eur"),
        description="Refund",
        stripe_ref=refund["id"],
        stripe_invoice_id=stripe_api.object_id(stripe_api.field(charge, "invoice")),
        stripe_charge_id=charge["id"],
        stripe_payment_intent_id=stripe_api.object_id(stripe_api.field(charge, "payment_intent")),
        occurred_at=stripe_api.timestamp(stripe_api.field(refund, "created")) or utcnow(),
        recorded_at=utcnow(),
        **_billing_details(account, None),
    )


def transactions_of(user, limit=50):
    return db.session.scalars(
        sa.select(LedgerEntry)
        .where(LedgerEntry.user_id == user.id)
        .order_by(LedgerEntry.occurred_at.desc(), LedgerEntry.id.desc())
        .limit(limit)
    ).all()
