"""Billing profiles and the transaction ledger, as the privacy registry lists them."""

from ..privacy.registry import (
    Category,
    ErasureRefused,
    Rule,
    Source,
    register_category,
    register_erasure_step,
    register_rule,
)
from .ledger import RETENTION_DAYS
from .models import BillingAccount, LedgerEntry, StripeEvent
from .services import close_for_erasure
from .stripe_api import BillingError


def register(app):
    register_rule(
        app,
        Rule(
            "payment transactions",
            LedgerEntry,
            "occurred_at",
            RETENTION_DAYS,
            description="kept ten years for bookkeeping, then deleted",
        ),
    )
    # Event ids only guard against duplicate deliveries, which Stripe stops retrying after days.
    register_rule(app, Rule("processed Stripe event ids", StripeEvent, "received_at", 90))
    register_category(app, transactions_category())
    register_erasure_step(app, stop_billing)


def stop_billing(user):
    """Erasure: cancel the subscription and delete the Stripe customer first, or refuse to erase."""
    try:
        close_for_erasure(user)
    except BillingError as error:
        raise ErasureRefused(str(error)) from error


def transactions_category():
    return Category(
        "transactions",
        "Transaction information",
        "To supply what you bought (GDPR art. 6(1)(b)) and because accounting law requires records (art. 6(1)(c)).",
        lambda: (
            "Payment records are kept at least 5 and at most 10 years after each payment, even after you delete "
            "your account; your billing profile is deleted with your account."
        ),
        (
            Source(
                BillingAccount,
                lambda user: BillingAccount.user_id == user.id,
                {
                    "id": "Record number.",
                    "user_id": "Your account number.",
                    "stripe_customer_id": "Your customer id at Stripe, our payment processor.",
                    "stripe_subscription_id": "Your subscription id at Stripe.",
                    "subscribed_plan": "The plan you pay for.",
                    "status": "The subscription's state at Stripe.",
                    "current_period_end": "When the paid period ends.",
                    "cancel_at_period_end": "Whether you cancelled at the end of the period.",
                    "payment_failed_at": "When a payment last failed.",
                    "failed_invoice_id": "Which invoice failed.",
                    "grace_until": "Until when your plan stays despite the failed payment.",
                    "billing_email": "Where receipts go.",
                    "billing_name": "The name on invoices.",
                    "billing_country": "Billing country.",
                    "billing_line1": "Billing address.",
                    "billing_postal_code": "Postal code.",
                    "billing_city": "City.",
                    "location_country": "Country of your IP address when you paid.",
                    "card_brand": "Card brand (the card itself is held by Stripe, not us).",
                    "card_last4": "The card's last four digits.",
                    "card_exp_month": "Card expiry month.",
                    "card_exp_year": "Card expiry year.",
                    "created_at": "When you first paid.",
                    "updated_at": "When this was last changed.",
                },
            ),
            Source(
                LedgerEntry,
                lambda user: LedgerEntry.user_id == user.id,
                {
                    "id": "Record number.",
                    "user_id": "Your account number.",
                    "kind": "charge or refund.",
                    "amount_cents": "Amount in cents.",
                    "currency": "Currency.",
                    "description": "What it was for.",
                    "billing_email": "Billing email at the time.",
                    "billing_name": "Billing name at the time.",
                    "billing_country": "Billing country at the time.",
                    "billing_address": "Billing address at the time.",
                    "location_country": "Country of your IP address at the time of the transaction.",
                    "stripe_ref": "Stripe's id for this charge or refund.",
                    "stripe_customer_id": "Stripe customer id.",
                    "stripe_subscription_id": "Stripe subscription id.",
                    "stripe_invoice_id": "Stripe invoice id.",
                    "stripe_charge_id": "Stripe charge id.",
                    "stripe_payment_intent_id": "Stripe payment id.",
                    "occurred_at": "When the payment happened.",
                    "recorded_at": "When we recorded it.",
                },
            ),
        ),
    )
