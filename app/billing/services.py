"""Plans and payments for one account: checkout, plan and card changes, cancellation, and the
subscription state Stripe reports, applied to ``user.plan``.

Every function works on the signed-in user it is given and on Stripe objects it looks up
itself; nothing a browser sends can name another account, customer, card or subscription.
Functions never commit: the view (or the webhook) does, once.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..geo import country_of
from ..plans import PLANS
from ..timeutil import utcnow
from . import ledger, stripe_api
from .models import BillingAccount
from .state import PAID_STATUSES, apply_subscription, forget_customer
from .stripe_api import BillingError, NotFoundAtStripe, PaymentDeclined, call, client, field, object_id, options


class NotSubscribed(BillingError):
    def __init__(self):
        super().__init__("You are on the Free plan, so there is no paid plan to change.")


class AlreadySubscribed(BillingError):
    def __init__(self):
        super().__init__("You already have a paid plan. Choose a different plan below to switch.")


class CardNotConfirmed(BillingError):
    def __init__(self):
        super().__init__("We could not confirm your card, so nothing was charged. Please enter your card again.")


@dataclass
class BillingDetails:
    email: str | None
    name: str | None
    country: str | None
    line1: str | None = None
    postal_code: str | None = None
    city: str | None = None


def account_of(user):
    return db.session.scalar(sa.select(BillingAccount).where(BillingAccount.user_id == user.id))


def scoped(user, operation):
    """Our operation id for Stripe keys: the form's id, bound to the account that sent it."""
    return f"user-{user.id}:{operation}"


def _clean(params):
    return {key: value for key, value in params.items() if value not in (None, "", {})}


def _create_customer(user, step):
    return call(
        client().v1.customers.create,
        params=_clean({"email": user.email, "name": user.display_name, "metadata": {"parlor_user_id": str(user.id)}}),
        options=options(f"user-{user.id}-{user.created_at:%Y%m%d%H%M%S}", step),
    )


def _customer_missing(customer_id):
    try:
        customer = call(client().v1.customers.retrieve, customer_id)
    except NotFoundAtStripe:
        return True
    return bool(field(customer, "deleted"))


def ensure_customer(user, ip):
    """The account's Stripe customer, created on first use; notes where the customer is acting from."""
    account = account_of(user)
    if account is None:
        customer = _create_customer(user, "customer")
        now = utcnow()
        ledger.insert_once(
            BillingAccount,
            user_id=user.id,
            stripe_customer_id=customer.id,
            billing_email=user.email,
            cancel_at_period_end=False,
            created_at=now,
            updated_at=now,
        )
        account = account_of(user)
    elif _customer_missing(account.stripe_customer_id):
        # Deleted at Stripe, or a fresh localstripe after `make run` restarted: start afresh.
        customer = _create_customer(user, f"customer-replacing-{account.stripe_customer_id}")
        forget_customer(account, customer.id)
    account.location_country = country_of(ip)
    return account


def start_card_setup(user, operation, ip):
    """A SetupIntent the browser confirms with the card (Stripe.js); returns (id, client secret)."""
    account = ensure_customer(user, ip)
    intent = call(
        client().v1.setup_intents.create,
        params={"customer": account.stripe_customer_id, "usage": "off_session", "payment_method_types": ["card"]},
        options=options(scoped(user, operation), "setup-intent"),
    )
    return intent.id, intent.client_secret


def _confirmed_card(account, setup_intent_id, operation, details=None):
    """The card the browser just confirmed, made the customer's default for future invoices."""
    if not setup_intent_id:
        raise CardNotConfirmed()
    intent = call(client().v1.setup_intents.retrieve, setup_intent_id)
    customer = account.stripe_customer_id
    if object_id(field(intent, "customer")) != customer:
        raise CardNotConfirmed()  # not a SetupIntent we made for this account
    if field(intent, "status") != "succeeded" or not field(intent, "payment_method"):
        raise CardNotConfirmed()
    card = call(client().v1.payment_methods.retrieve, object_id(intent["payment_method"]))
    owner = object_id(field(card, "customer"))
    if owner is None:
        call(
            client().v1.payment_methods.attach,
            card.id,
            params={"customer": customer},
            options=options(operation, f"attach-{card.id}"),
        )
    elif owner != customer:
        raise CardNotConfirmed()
    params = {"invoice_settings": {"default_payment_method": card.id}}
    if details:
        address = _clean(
            {
                "country": details.country,
                "line1": details.line1,
                "postal_code": details.postal_code,
                "city": details.city,
            }
        )
        params.update(_clean({"email": details.email, "name": details.name, "address": address}))
    call(client().v1.customers.update, customer, params=params, options=options(operation, f"customer-{card.id}"))
    account.card_brand = field(card, "card", "brand")
    account.card_last4 = field(card, "card", "last4")
    account.card_exp_month = field(card, "card", "exp_month")
    account.card_exp_year = field(card, "card", "exp_year")
    return card


def subscribe(user, plan_key, details, operation, setup_intent_id, ip):
    """Start a paid plan with the card confirmed in the browser; the plan applies at once."""
    plan = PLANS.get(plan_key)
    if plan is None or not plan.paid:
        raise BillingError("Choose a paid plan.")
    account = account_of(user)
    if account is None:
        raise CardNotConfirmed()
    if account.live:
        raise AlreadySubscribed()
    operation = scoped(user, operation)
    account.billing_email = details.email
    account.billing_name = details.name
    account.billing_country = details.country
    account.billing_line1 = details.line1
    account.billing_postal_code = details.postal_code
    account.billing_city = details.city
    account.location_country = country_of(ip)
    card = _confirmed_card(account, setup_intent_id, operation, details)
    sub = call(
        client().v1.subscriptions.create,
        params={
            "customer": account.stripe_customer_id,
            "items": [{"plan": stripe_api.ensure_plan(plan)}],
            "payment_behavior": "error_if_incomplete",
            "metadata": {"parlor_user_id": str(user.id), "parlor_plan": plan.key},
        },
        options=options(operation, f"subscribe-{plan.key}-{card.id}"),
    )
    if sub.status not in PAID_STATUSES:
        # The first payment failed: leave nothing half-made behind.
        call(client().v1.subscriptions.cancel, sub.id, options=options(operation, f"abandon-{sub.id}"))
        raise PaymentDeclined()
    account.stripe_subscription_id = sub.id
    apply_subscription(account, sub)
    invoice_id = object_id(field(sub, "latest_invoice"))
    if invoice_id:
        invoice = call(client().v1.invoices.retrieve, invoice_id)
        ledger.record_invoice_payment(account, invoice, plan.key, location_country=account.location_country)
    return account


def _live_account(user):
    account = account_of(user)
    if account is None or not account.live:
        raise NotSubscribed()
    return account


def _update_subscription(account, operation, step, **params):
    sub = call(
        client().v1.subscriptions.update,
        account.stripe_subscription_id,
        params=params,
        options=options(operation, step),
    )
    apply_subscription(account, sub)
    return sub


def change_plan(user, plan_key, operation, ip):
    plan = PLANS.get(plan_key)
    account = _live_account(user)
    if plan is None or not plan.paid:
        raise BillingError("Choose a paid plan. To go back to Free, cancel your plan.")
    if account.subscribed_plan == plan.key:
        raise BillingError(f"You are already on {plan.name}.")
    account.location_country = country_of(ip)
    sub = call(client().v1.subscriptions.retrieve, account.stripe_subscription_id)
    item = stripe_api.subscription_item(sub)
    return _update_subscription(
        account,
        scoped(user, operation),
        f"change-{plan.key}",
        items=[{"id": item["id"], "plan": stripe_api.ensure_plan(plan)}],
        cancel_at_period_end=False,
    )


def cancel(user, operation):
    """Stop renewing; the plan stays until the end of the period already paid for."""
    account = _live_account(user)
    return _update_subscription(account, scoped(user, operation), "cancel", cancel_at_period_end=True)


def reactivate(user, operation):
    """Undo a cancellation before it takes effect."""
    account = _live_account(user)
    if not account.cancel_at_period_end:
        raise BillingError("Your plan is not cancelled, so there is nothing to resume.")
    return _update_subscription(account, scoped(user, operation), "reactivate", cancel_at_period_end=False)


def update_card(user, operation, setup_intent_id, ip):
    """Make a newly confirmed card the default; settle an overdue invoice with it right away."""
    account = account_of(user)
    if account is None:
        raise CardNotConfirmed()
    operation = scoped(user, operation)
    account.location_country = country_of(ip)
    _confirmed_card(account, setup_intent_id, operation)
    if account.status != "past_due" or not account.stripe_subscription_id:
        return account
    sub = call(client().v1.subscriptions.retrieve, account.stripe_subscription_id)
    invoice_id = object_id(field(sub, "latest_invoice"))
    invoice = call(client().v1.invoices.retrieve, invoice_id) if invoice_id else None
    if invoice is not None and field(invoice, "status") == "open":
        invoice = call(client().v1.invoices.pay, invoice_id, options=options(operation, f"pay-{invoice_id}"))
        if field(invoice, "status") != "paid":
            raise PaymentDeclined()
        ledger.record_invoice_payment(account, invoice, account.subscribed_plan, account.location_country)
        sub = call(client().v1.subscriptions.retrieve, account.stripe_subscription_id)
    apply_subscription(account, sub)
    return account


def recent_invoices(account, limit=12):
    """Invoices as Stripe lists them, newest first; None when Stripe cannot be reached."""
    try:
        listing = call(client().v1.invoices.list, params={"customer": account.stripe_customer_id, "limit": limit})
    except BillingError:
        return None
    rows = []
    for invoice in field(listing, "data", default=[]):
        if field(invoice, "status") in ("draft", None):
            continue
        rows.append(
            {
                "id": invoice["id"],
                "number": field(invoice, "number") or invoice["id"],
                "date": stripe_api.timestamp(field(invoice, "created") or field(invoice, "date")),
                "amount": int(field(invoice, "amount_paid") or field(invoice, "amount_due") or 0),
                "currency": field(invoice, "currency", default="eur"),
                "status": invoice["status"],
                "url": field(invoice, "hosted_invoice_url"),
            }
        )
    return rows


def close_for_erasure(user):
    """Before an account is erased: stop its subscription now and delete the Stripe customer.

    Raises BillingError (nothing erased) when Stripe cannot be reached: an erased account
    must never go on being charged.
    """
    account = account_of(user)
    if account is None or not stripe_api.configured():
        return
    operation = scoped(user, "erase")
    if account.stripe_subscription_id and account.status not in ("canceled", "incomplete_expired"):
        try:
            call(
                client().v1.subscriptions.cancel,
                account.stripe_subscription_id,
                options=options(operation, "cancel-subscription"),
            )
        except NotFoundAtStripe:
            pass
    try:
        call(client().v1.customers.delete, account.stripe_customer_id, options=options(operation, "delete-customer"))
    except NotFoundAtStripe:
        pass
