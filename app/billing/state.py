"""What Stripe says about a subscription, turned into the plan an account gets.

``user.plan`` is the one column room limits and meeting modes are derived from; a paid plan
that ends or stays unpaid past the grace period falls back to Free there, and nothing else is
touched: rooms beyond the Free limit become read-only, not deleted.
"""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..rooms.services import follow_plan_change
from ..timeutil import utcnow
from . import stripe_api
from .models import BillingAccount
from .stripe_api import field, object_id

PAID_STATUSES = ("active", "trialing")


def start_grace(account, now=None):
    if account.grace_until is None:
        now = now or utcnow()
        account.payment_failed_at = now
        account.grace_until = now + timedelta(days=current_app.config["PAYMENT_GRACE_DAYS"])


def effective_plan(account, now=None):
    """The plan limits the account gets: paid while paid up or within the grace period, else Free."""
    if account.status in PAID_STATUSES and account.subscribed_plan:
        return account.subscribed_plan
    in_grace = account.grace_until is not None and (now or utcnow()) < account.grace_until
    if account.status == "past_due" and account.subscribed_plan and in_grace:
        return account.subscribed_plan
    return "free"


def refresh_plan(account, now=None):
    """Set ``user.plan``; rooms beyond the new limit become read-only, nothing is deleted."""
    plan = effective_plan(account, now)
    if account.user.plan == plan:
        return False
    old_plan, account.user.plan = account.user.plan, plan
    follow_plan_change(account.user, old_plan)
    return True


def apply_subscription(account, sub, now=None):
    """Make our copy match the subscription as Stripe has it now; True when ``user.plan`` changed."""
    if object_id(field(sub, "customer")) != account.stripe_customer_id:
        return False
    account.stripe_subscription_id = sub["id"]
    account.status = sub["status"]
    account.subscribed_plan = stripe_api.plan_key_of(sub) or account.subscribed_plan
    account.current_period_end = stripe_api.period_end(sub)
    account.cancel_at_period_end = bool(field(sub, "cancel_at_period_end") or field(sub, "cancel_at"))
    if account.status == "past_due":
        start_grace(account, now)
    elif account.status in PAID_STATUSES:
        account.payment_failed_at = account.grace_until = account.failed_invoice_id = None
    return refresh_plan(account, now)


def forget_customer(account, new_customer_id):
    """Point the account at a new Stripe customer; whatever the old one paid for is over."""
    account.stripe_customer_id = new_customer_id
    account.stripe_subscription_id = account.status = account.subscribed_plan = None
    account.current_period_end = account.payment_failed_at = account.grace_until = None
    account.failed_invoice_id = None
    account.cancel_at_period_end = False
    account.card_brand = account.card_last4 = account.card_exp_month = account.card_exp_year = None
    refresh_plan(account)


def end_expired_grace(now=None):
    """Move accounts whose grace period ran out to Free; returns how many changed (safe to repeat)."""
    now = now or utcnow()
    accounts = db.session.scalars(
        sa.select(BillingAccount).where(BillingAccount.grace_until.is_not(None), BillingAccount.grace_until <= now)
    ).all()
    return sum(1 for account in accounts if refresh_plan(account, now))
