"""Stripe webhooks: verified, applied once, in any order.

An event only tells us *that* something changed. What changed is read from Stripe again
(``fetch``, before any database write), so events arriving late, twice or out of order all
leave the state Stripe has now. The event id is inserted in the same transaction as its
effect, guarded by a unique constraint: of several concurrent deliveries exactly one goes on.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
import stripe
from flask import current_app, request, url_for

from ..extensions import db
from ..mail import try_send_email
from ..plans import get_plan
from . import ledger, state, stripe_api
from .models import LIVE_STATUSES, BillingAccount, StripeEvent
from .stripe_api import NotFoundAtStripe, call, client, object_id

SUBSCRIPTION_EVENTS = (
    "customer.subscription.created",
    "customer.subscription.updated",
    "customer.subscription.deleted",
)
PAID_EVENTS = ("invoice.paid", "invoice.payment_succeeded")
FAILED_EVENTS = ("invoice.payment_failed",)
REFUND_EVENTS = ("charge.refunded",)
HANDLED = SUBSCRIPTION_EVENTS + PAID_EVENTS + FAILED_EVENTS + REFUND_EVENTS


class InvalidWebhook(Exception):
    """Unsigned, badly signed, stale or malformed: refused before anything is written."""


@dataclass
class Outcome:
    duplicate: bool = False
    mail: list = field(default_factory=list)  # (to, subject, template, context), sent after commit


def verify(payload, signature):
    """The event, if the signature over the raw body is ours and at most five minutes old."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret or not signature:
        raise InvalidWebhook("missing signature")
    try:
        return stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    except (stripe.SignatureVerificationError, ValueError) as error:
        raise InvalidWebhook(str(error)) from error


def already_seen(event_id):
    return db.session.scalar(sa.select(StripeEvent.id).where(StripeEvent.event_id == event_id)) is not None


def fetch(event):
    """Re-read the objects this event is about: {name: StripeObject}. No database writes."""
    try:
        return _fetch(event)
    except NotFoundAtStripe:
        return {}  # Stripe no longer has it (or never had: a test event): nothing to apply


def _fetch(event):
    obj = event["data"]["object"]
    kind = event["type"]
    if kind in REFUND_EVENTS:
        charge = call(client().v1.charges.retrieve, obj["id"])
        refunds = call(client().v1.refunds.list, params={"charge": obj["id"], "limit": 100})
        return {
            "customer": object_id(stripe_api.field(charge, "customer")),
            "charge": charge,
            "refunds": list(stripe_api.field(refunds, "data", default=[])),
        }
    fetched = {}
    if kind in PAID_EVENTS + FAILED_EVENTS:
        fetched["invoice"] = call(client().v1.invoices.retrieve, obj["id"])
        customer = object_id(stripe_api.field(fetched["invoice"], "customer"))
    elif kind in SUBSCRIPTION_EVENTS:
        customer = object_id(stripe_api.field(obj, "customer"))
    else:
        return {}
    fetched["customer"] = customer
    fetched["subscription"] = current_subscription(customer) if customer else None
    return fetched


def current_subscription(customer_id):
    """The subscription that decides the plan: the newest live one, else the newest of all.

    Looking at all of the customer's subscriptions, not just the one an event names, is what
    makes the order of events irrelevant, even across a cancellation and a new subscription.
    """
    listing = call(client().v1.subscriptions.list, params={"customer": customer_id, "status": "all", "limit": 100})
    subs = list(stripe_api.field(listing, "data", default=[]))
    live = [sub for sub in subs if sub["status"] in LIVE_STATUSES]
    pool = live or subs
    return max(pool, key=lambda sub: (sub["created"], sub["id"])) if pool else None


def account_for(customer_id):
    if not customer_id:
        return None
    return db.session.scalar(sa.select(BillingAccount).where(BillingAccount.stripe_customer_id == customer_id))


def process(event, fetched):
    """Apply one verified event; the caller commits. Outcome.duplicate when it was seen before."""
    if not ledger.mark_event_seen(event["id"], event["type"]):
        return Outcome(duplicate=True)
    outcome = Outcome()
    kind = event["type"]
    account = account_for(fetched.get("customer"))
    if account is None:
        return outcome  # not one of our customers, or not a kind of event we act on
    sub = fetched.get("subscription")
    if kind in PAID_EVENTS:
        invoice = fetched["invoice"]
        plan_key = stripe_api.plan_key_of_invoice(invoice) or account.subscribed_plan
        ledger.record_invoice_payment(account, invoice, plan_key)
    if sub is not None:
        state.apply_subscription(account, sub)
    if kind in FAILED_EVENTS:
        notice = payment_failed(account, fetched["invoice"])
        if notice:
            outcome.mail.append(notice)
    if kind in REFUND_EVENTS:
        for refund in fetched["refunds"]:
            ledger.record_refund(account, refund, fetched["charge"])
    return outcome


def payment_failed(account, invoice):
    """Start the grace period for an unpaid invoice; the email goes out once per invoice."""
    if stripe_api.field(invoice, "status") != "open":
        return None  # paid since, or voided: this failure is old news
    if not account.live or stripe_api.subscription_of_invoice(invoice) != account.stripe_subscription_id:
        return None  # a checkout that never started (its page said so) or a subscription already over
    state.start_grace(account)
    claimed = db.session.execute(
        sa.update(BillingAccount)
        .where(
            BillingAccount.id == account.id,
            sa.or_(BillingAccount.failed_invoice_id.is_(None), BillingAccount.failed_invoice_id != invoice["id"]),
        )
        .values(failed_invoice_id=invoice["id"])
        .execution_options(synchronize_session=False)
    ).rowcount
    account.failed_invoice_id = invoice["id"]
    state.refresh_plan(account)
    to = account.billing_email or account.user.email
    if not claimed or not to:
        return None
    plan = get_plan(account.subscribed_plan)
    context = {
        "plan": plan,
        "amount": int(stripe_api.field(invoice, "amount_due", default=0)),
        "currency": stripe_api.field(invoice, "currency", default="eur"),
        "grace_until": account.grace_until,
        "billing_url": public_url(url_for("billing.index")),
    }
    return (to, "Your Parlor payment did not go through", "payment_failed", context)


def public_url(path):
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return base.rstrip("/") + path


def send(outcome):
    for to, subject, template, context in outcome.mail:
        try_send_email(to, subject, template, **context)
