import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required

from ..extensions import csrf, db, limiter
from ..plans import PLANS, get_plan
from ..security import allow_source
from . import ledger, services, stripe_api, webhooks
from .forms import OPERATION_PATTERN, ChangePlanForm, OperationForm, SubscribeForm, country_choices, new_operation
from .stripe_api import BillingError, BillingUnavailable

bp = Blueprint("billing", __name__)

SETUP_KEY = "billing_setup_intent"  # the SetupIntent this browser is confirming, kept server-side


@bp.app_template_filter("money")
def money(cents, currency="eur"):
    amount = f"{(cents or 0) / 100:,.2f}"
    return f"€{amount}" if currency.lower() == "eur" else f"{amount} {currency.upper()}"


@bp.app_template_filter("country_name")
def country_name(code):
    names = {choice.value: choice.label for choice in country_choices() if choice.value}
    return names.get(code, code) if code else "Not known"


def allow_stripe_js():
    """Widen this page's CSP for Stripe.js (or localstripe's stand-in) and what it talks to."""
    parts = urlsplit(current_app.config["STRIPE_JS_URL"])
    origin = f"{parts.scheme}://{parts.netloc}"
    allow_source("script-src", origin)
    allow_source("connect-src", origin)
    allow_source("frame-src", origin)
    if parts.netloc == "js.stripe.com":
        allow_source("script-src", "https://*.js.stripe.com")
        allow_source("frame-src", "https://*.js.stripe.com", "https://hooks.stripe.com")
        allow_source("connect-src", "https://api.stripe.com")


def render_billing(status=200, subscribe_form=None, plan_form=None, error=None):
    account = services.account_of(current_user)
    enabled = stripe_api.configured()
    if enabled:
        allow_stripe_js()
    if subscribe_form is None:
        wanted = request.args.get("plan")
        subscribe_form = SubscribeForm(
            plan=wanted if wanted in PLANS and PLANS[wanted].paid else "pro",
            billing_email=(account and account.billing_email) or current_user.email,
            billing_name=(account and account.billing_name) or current_user.display_name,
            billing_country=account and account.billing_country,
        )
    subscribe_form.operation.data = new_operation()  # a fresh id: a new attempt is a new operation
    return render_template(
        "billing/index.html",
        account=account,
        plan=get_plan(current_user.plan),
        subscribed_plan=PLANS.get(account.subscribed_plan) if account else None,
        paid_plans=[p for p in PLANS.values() if p.paid],
        enabled=enabled,
        test_mode=(current_app.config.get("STRIPE_PUBLISHABLE_KEY") or "").startswith("pk_test_"),
        invoices=services.recent_invoices(account) if (account and enabled) else [],
        transactions=ledger.transactions_of(current_user),
        subscribe_form=subscribe_form,
        plan_form=plan_form or ChangePlanForm(),
        cancel_form=OperationForm(),
        card_form=OperationForm(),
        error=error,
    ), status


def failed(error, **forms):
    db.session.rollback()
    session.pop(SETUP_KEY, None)  # the card must be entered again
    return render_billing(503 if isinstance(error, BillingUnavailable) else 400, error=str(error), **forms)


@bp.route("/user/billing")
@login_required
def index():
    return render_billing()


@bp.route("/user/billing/setup", methods=["POST"])
@login_required
@limiter.limit("20 per hour")
def setup():
    """Start confirming a card: the browser gets a SetupIntent's client secret, nothing more."""
    if not stripe_api.configured():
        return jsonify(error="Card payments are not set up on this installation."), 404
    operation = str((request.get_json(silent=True) or {}).get("operation", ""))
    if not re.fullmatch(OPERATION_PATTERN, operation):
        return jsonify(error="This form has expired. Please reload the page."), 400
    try:
        intent_id, client_secret = services.start_card_setup(current_user, operation, request.remote_addr)
    except BillingError as error:
        db.session.rollback()
        return jsonify(error=str(error)), 503
    db.session.commit()
    session[SETUP_KEY] = intent_id
    return jsonify(client_secret=client_secret)


@bp.route("/user/billing/subscribe", methods=["POST"])
@login_required
@limiter.limit("10 per hour")
def subscribe():
    form = SubscribeForm()
    if not form.validate_on_submit():
        return render_billing(400, subscribe_form=form)
    details = services.BillingDetails(
        email=form.billing_email.data,
        name=form.billing_name.data,
        country=form.billing_country.data,
        line1=form.billing_line1.data or None,
        postal_code=form.billing_postal_code.data or None,
        city=form.billing_city.data or None,
    )
    try:
        services.subscribe(
            current_user, form.plan.data, details, form.operation.data, session.get(SETUP_KEY), request.remote_addr
        )
    except BillingError as error:
        return failed(error, subscribe_form=form)
    db.session.commit()
    session.pop(SETUP_KEY, None)
    plan = PLANS[form.plan.data]
    flash(f"You are on {plan.name} now. Your rooms have the {plan.name} limits from this moment.", "success")
    return redirect(url_for("billing.index"))


@bp.route("/user/billing/plan", methods=["POST"])
@login_required
@limiter.limit("10 per hour")
def change_plan():
    form = ChangePlanForm()
    if not form.validate_on_submit():
        return render_billing(400, plan_form=form)
    try:
        services.change_plan(current_user, form.plan.data, form.operation.data, request.remote_addr)
    except BillingError as error:
        return failed(error, plan_form=form)
    db.session.commit()
    flash(f"You are on {PLANS[form.plan.data].name} now.", "success")
    return redirect(url_for("billing.index"))


@bp.route("/user/billing/card", methods=["POST"])
@login_required
@limiter.limit("10 per hour")
def change_card():
    form = OperationForm()
    if not form.validate_on_submit():
        return render_billing(400, error="This form has expired. Please reload the page.")
    try:
        services.update_card(current_user, form.operation.data, session.get(SETUP_KEY), request.remote_addr)
    except BillingError as error:
        return failed(error)
    db.session.commit()
    session.pop(SETUP_KEY, None)
    flash("Your new card is saved. We will charge it from now on.", "success")
    return redirect(url_for("billing.index"))


@bp.route("/user/billing/cancel", methods=["POST"])
@login_required
def cancel():
    form = OperationForm()
    if not form.validate_on_submit():
        return render_billing(400, error="This form has expired. Please reload the page.")
    try:
        services.cancel(current_user, form.operation.data)
    except BillingError as error:
        return failed(error)
    db.session.commit()
    account = services.account_of(current_user)
    ends = account.current_period_end
    until = f" until {ends:%-d %B %Y}" if ends else " until the end of the period you paid for"
    flash(f"Your plan is cancelled. You keep it{until}; after that your account moves to Free.", "success")
    return redirect(url_for("billing.index"))


@bp.route("/user/billing/reactivate", methods=["POST"])
@login_required
def reactivate():
    form = OperationForm()
    if not form.validate_on_submit():
        return render_billing(400, error="This form has expired. Please reload the page.")
    try:
        services.reactivate(current_user, form.operation.data)
    except BillingError as error:
        return failed(error)
    db.session.commit()
    flash("Your plan will renew as before.", "success")
    return redirect(url_for("billing.index"))


@bp.route("/stripe/webhook", methods=["POST"])
@csrf.exempt
def webhook():
    try:
        event = webhooks.verify(request.get_data(), request.headers.get("Stripe-Signature"))
    except webhooks.InvalidWebhook:
        return jsonify(error="The signature is missing, wrong or too old."), 400
    if webhooks.already_seen(event["id"]):
        return jsonify(received=True, duplicate=True)
    try:
        fetched = webhooks.fetch(event)
    except BillingError:
        return jsonify(error="Stripe could not be reached; deliver again later."), 503
    outcome = webhooks.process(event, fetched)
    db.session.commit()
    webhooks.send(outcome)
    return jsonify(received=True, duplicate=outcome.duplicate)
