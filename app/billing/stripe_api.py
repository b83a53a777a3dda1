"""The one door to Stripe: a configured client, idempotency keys, and reading objects of any API version.

Every call that changes something at Stripe carries an idempotency key built from our own
operation id, so a retry after a timeout (ours, the library's or the browser's) returns the
first result instead of charging twice. Reads are idempotent by nature and carry none.

The same code talks to real Stripe and to localstripe (``make run`` without keys): both accept
Plans, SetupIntents, Subscriptions with ``items[][plan]`` and customer-level default payment
methods; the helpers below read fields that moved between API versions from either place.
"""

import hashlib
from datetime import UTC, datetime

import stripe
from flask import current_app

from ..plans import PLANS

PLAN_ID_PREFIX = "parlor-"


class BillingError(Exception):
    """A billing action that cannot happen; the message is meant for people."""


class PaymentDeclined(BillingError):
    def __init__(self, detail=None):
        message = "Your card was declined, so no payment was taken and your plan has not changed."
        if detail and detail.rstrip(".") not in ("Your card was declined", "Card declined"):
            message += f" Your bank said: {detail.rstrip('.')}."
        super().__init__(message + " Please try another card.")


class NotFoundAtStripe(BillingError):
    def __init__(self):
        super().__init__(
            "Our payment provider has no record of this any more. Nothing was charged; please enter your card again."
        )


class BillingUnavailable(BillingError):
    def __init__(self):
        super().__init__("We could not reach our payment provider just now. Nothing was charged; please try again.")


def configured(app=None):
    config = (app or current_app).config
    return bool(config.get("STRIPE_SECRET_KEY") and config.get("STRIPE_PUBLISHABLE_KEY"))


def client():
    """The app's StripeClient (one per app, thread-safe)."""
    app = current_app._get_current_object()
    existing = app.extensions.get("parlor_stripe")
    if existing is None:
        base = app.config.get("STRIPE_API_BASE")
        existing = stripe.StripeClient(
            app.config["STRIPE_SECRET_KEY"],
            base_addresses={"api": base.rstrip("/")} if base else None,
            max_network_retries=2,
        )
        app.extensions["parlor_stripe"] = existing
    return existing


def idempotency_key(operation, step):
    """A stable key for one step of one of our operations (Stripe keeps keys for 24 hours)."""
    digest = hashlib.sha256(f"{operation}:{step}".encode()).hexdigest()[:40]
    return f"parlor-{digest}"


def options(operation, step):
    return {"idempotency_key": idempotency_key(operation, step)}


def call(function, *args, **kwargs):
    """Run one Stripe call, turning its failures into our domain errors."""
    try:
        return function(*args, **kwargs)
    except stripe.CardError as error:
        raise PaymentDeclined(error.user_message) from error
    except stripe.InvalidRequestError as error:
        if error.http_status == 404:
            raise NotFoundAtStripe() from error
        current_app.logger.error("stripe refused a request: %s", error)
        raise BillingError(
            "Our payment provider refused this request, so nothing was charged. "
            "If it happens again, please contact support."
        ) from error
    except (stripe.APIConnectionError, stripe.RateLimitError, stripe.APIError, stripe.AuthenticationError) as error:
        current_app.logger.warning("stripe unavailable: %s", error)
        raise BillingUnavailable() from error


# ---------------------------------------------------------------- reading objects
def field(obj, *path, default=None):
    """``obj.a.b`` for StripeObjects and dicts alike, or ``default`` when any step is missing."""
    for name in path:
        if obj is None:
            return default
        try:
            obj = obj[name]
        except (KeyError, TypeError, IndexError):
            return default
    return default if obj is None else obj


def object_id(value):
    """An id whether Stripe sent the id itself or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    return field(value, "id")


def timestamp(value):
    return datetime.fromtimestamp(int(value), UTC).replace(tzinfo=None) if value else None


def subscription_item(sub):
    items = field(sub, "items", "data", default=[])
    return items[0] if items else None


def period_end(sub):
    """Renewal date: on the subscription in older API versions, on its item since 2025."""
    return timestamp(field(sub, "current_period_end") or field(subscription_item(sub), "current_period_end"))


def subscription_of_invoice(invoice):
    return object_id(field(invoice, "subscription")) or object_id(
        field(invoice, "parent", "subscription_details", "subscription")
    )


def payment_of_invoice(invoice):
    """(charge id, payment intent id) of a paid invoice, from whichever fields this API version has."""
    charge = object_id(field(invoice, "charge"))
    intent = object_id(field(invoice, "payment_intent"))
    for payment in field(invoice, "payments", "data", default=[]):
        charge = charge or object_id(field(payment, "payment", "charge"))
        intent = intent or object_id(field(payment, "payment", "payment_intent"))
    return charge, intent


def paid_at(invoice):
    return timestamp(field(invoice, "status_transitions", "paid_at") or field(invoice, "created"))


# ---------------------------------------------------------------- plans
def plan_id(plan):
    """Our Stripe Plan id: a new price in app/plans.py becomes a new Stripe Plan, old ones keep billing."""
    return f"{PLAN_ID_PREFIX}{plan.key}-{plan.monthly_price_cents}{plan.currency}-monthly"


def _plan_key(stripe_plan_id):
    if not stripe_plan_id or not stripe_plan_id.startswith(PLAN_ID_PREFIX):
        return None
    key = stripe_plan_id[len(PLAN_ID_PREFIX) :].split("-", 1)[0]
    return key if key in PLANS else None


def plan_key_of(sub):
    """Which of our plans a subscription is for, or None if it is not one of ours."""
    item = subscription_item(sub)
    return _plan_key(object_id(field(item, "plan")) or object_id(field(item, "price")))


def plan_key_of_invoice(invoice):
    """Which of our plans an invoice charges for, from its lines (where each API version puts the price)."""
    for line in field(invoice, "lines", "data", default=[]):
        for candidate in (
            object_id(field(line, "plan")),
            object_id(field(line, "price")),
            object_id(field(line, "pricing", "price_details", "price")),
        ):
            if key := _plan_key(candidate):
                return key
    return None


def ensure_plan(plan):
    """Create the Stripe Plan for ``plan`` unless it exists; returns its id."""
    known = current_app.extensions.setdefault("parlor_stripe_plans", set())
    identifier = plan_id(plan)
    if identifier in known:
        return identifier
    try:
        call(client().v1.plans.retrieve, identifier)
    except NotFoundAtStripe:
        call(
            client().v1.plans.create,
            params={
                "id": identifier,
                "amount": plan.monthly_price_cents,
                "currency": plan.currency,
                "interval": "month",
                "product": {"name": f"Parlor {plan.name}"},
                "metadata": {"parlor_plan": plan.key},
            },
            options=options(identifier, "create-plan"),
        )
    known.add(identifier)
    return identifier
