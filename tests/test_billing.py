"""Upgrading, renewing, failing to pay, cancelling and reactivating, against a real localstripe."""

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.billing.models import BillingAccount, LedgerEntry
from app.extensions import db
from app.rooms.models import Room

from .support.accounts import csrf_token
from .support.billing import CARD_CHARGE_FAILS, CARD_DECLINED


@pytest.fixture
def config_overrides(localstripe):
    return localstripe.config()


@pytest.fixture
def since():
    """Stripe's clock (whole seconds) when the test started, to pick out its events."""
    return int(time.time()) - 1


def deliver_all(deliver, events):
    for event in events:
        response = deliver(event)
        assert response.status_code == 200, response.get_data(as_text=True)


def test_billing_page_needs_login(client):
    """Is the billing page for signed-in people only?"""
    response = client.get("/user/billing")
    assert response.status_code == 302
    assert "/user/login" in response.headers["Location"]


def test_billing_page_offers_the_plans_from_the_plan_table(client, alice):
    """Does the page offer Pro and Business at the prices in app/plans.py, with Stripe.js allowed?"""
    response = client.get("/user/billing")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="billing-form"' in html and 'id="plan-pro"' in html and 'id="plan-business"' in html
    assert "€9.99 a month" in html and "€11.99 a month" in html
    assert "/js.stripe.com/v3/" in html and "js/billing.js" in html
    policy = response.headers["Content-Security-Policy"]
    origin = client.application.config["STRIPE_API_BASE"]
    assert f"script-src 'self' {origin}" in policy
    assert origin in policy.split("connect-src")[1].split(";")[0]


@pytest.mark.config(STRIPE_SECRET_KEY=None, STRIPE_PUBLISHABLE_KEY=None)
def test_without_stripe_keys_the_page_says_so(client, alice):
    """Without Stripe keys, does the page say card payments are not set up, and load no Stripe.js?"""
    html = client.get("/user/billing").get_data(as_text=True)
    assert 'id="billing-disabled"' in html
    assert "js.stripe.com" not in html


def test_upgrade_makes_rooms_pro_at_once(app, client, alice, billing):
    """Does paying for Pro set the plan, the renewal date, the card and one ledger row at once?"""
    response = billing.upgrade("pro")
    assert response.status_code == 302
    user, account = billing.account()
    assert user.plan == "pro"
    assert account.status == "active" and account.subscribed_plan == "pro"
    assert account.current_period_end is not None
    assert account.card_last4 == "4242"
    with app.app_context():
        entry = db.session.scalars(sa.select(LedgerEntry)).one()
    assert (entry.kind, entry.amount_cents, entry.currency) == ("charge", 999, "eur")
    assert entry.billing_email == "alice@example.com" and entry.billing_country == "NO"
    assert entry.billing_address == "Storgata 1, 0155 Oslo"
    assert entry.stripe_customer_id == account.stripe_customer_id
    assert entry.stripe_invoice_id and entry.stripe_charge_id.startswith("ch_")
    html = client.get("/user/billing").get_data(as_text=True)
    assert 'id="next-renewal"' in html and "Visa ending 4242" in html
    assert 'id="invoices"' in html and 'id="transactions"' in html


def test_upgrade_records_where_the_customer_paid_from(app, client, alice, billing):
    """Is the country of the client IP at checkout kept on the transaction?"""
    client.environ_base["REMOTE_ADDR"] = "81.2.69.142"
    billing.upgrade("business")
    with app.app_context():
        entry = db.session.scalars(sa.select(LedgerEntry)).one()
        assert entry.location_country == "GB"
        assert entry.amount_cents == 1199 and entry.description == "Parlor Business, one month"


def test_card_declined_at_confirmation_changes_nothing(app, client, alice, billing):
    """Does a card refused by the bank leave the plan alone and explain what happened?"""
    response = billing.upgrade("pro", card=CARD_DECLINED)
    assert billing.confirmed.status_code == 402  # what Stripe.js shows in the page
    assert billing.confirmed.json()["error"]["code"] == "card_declined"
    assert response.status_code == 400
    assert "could not confirm your card" in response.get_data(as_text=True)
    user, account = billing.account()
    assert user.plan == "free" and account.stripe_subscription_id is None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0


def test_card_declined_at_first_charge_changes_nothing(app, client, alice, billing, localstripe):
    """Does a card that confirms but cannot be charged give a clear message, no plan and no subscription?"""
    response = billing.upgrade("pro", card=CARD_CHARGE_FAILS)
    assert response.status_code == 400
    assert "Your card was declined" in response.get_data(as_text=True)
    user, account = billing.account()
    assert user.plan == "free" and account.stripe_subscription_id is None
    subs = localstripe.api.v1.subscriptions.list(params={"customer": account.stripe_customer_id})
    assert subs.data == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0


def test_renewal_invoice_adds_a_transaction(app, client, alice, billing, localstripe, deliver, since):
    """Does Stripe's renewal invoice, arriving by webhook, add one charge with the checkout's location?"""
    client.environ_base["REMOTE_ADDR"] = "81.2.69.142"
    billing.upgrade("pro")
    _, account = billing.account()
    renewal = localstripe.renew(account.stripe_subscription_id, account.stripe_customer_id)
    assert renewal.status == "paid"
    deliver_all(deliver, localstripe.events(since, account.stripe_customer_id))
    with app.app_context():
        entries = db.session.scalars(sa.select(LedgerEntry).order_by(LedgerEntry.id)).all()
        assert [e.stripe_invoice_id for e in entries][-1] == renewal.id
        assert len(entries) == 2
        assert entries[1].location_country == "GB" and entries[1].amount_cents == 999
    user, account = billing.account()
    assert user.plan == "pro" and account.status == "active"


def test_payment_failure_starts_the_grace_period(
    app, client, alice, billing, localstripe, deliver, mailbox, since, clock
):
    """Does a failed renewal keep Pro for the grace period, email the customer once, and show a warning?"""
    billing.upgrade("pro")
    _, account = billing.account()
    localstripe.fail_renewal(account.stripe_subscription_id, account.stripe_customer_id)
    deliver_all(deliver, localstripe.events(since, account.stripe_customer_id))
    user, account = billing.account()
    assert account.status == "past_due"
    assert account.grace_until == clock.now + timedelta(days=app.config["PAYMENT_GRACE_DAYS"])
    assert user.plan == "pro"
    messages = mailbox.wait_for("alice@example.com")
    assert len(messages) == 1
    body = messages[0].get_body(("plain",)).get_content()
    assert "€9.99" in body and "/user/billing" in body and "Free plan" in body
    html = client.get("/user/billing").get_data(as_text=True)
    assert 'id="payment-problem"' in html and 'id="card-form"' in html


def test_grace_period_ends_in_free_limits_without_deleting_rooms(
    app, client, alice, billing, localstripe, deliver, since, clock, runner
):
    """After the grace period, is the account Free with extra rooms read-only but kept?"""
    billing.upgrade("pro")
    for name in ("alice-one", "alice-two", "alice-three"):
        client.post("/user/rooms", data={"csrf_token": _token(client), "name": name})
    _, account = billing.account()
    localstripe.fail_renewal(account.stripe_subscription_id, account.stripe_customer_id)
    deliver_all(deliver, localstripe.events(since, account.stripe_customer_id))
    clock.advance(timedelta(days=app.config["PAYMENT_GRACE_DAYS"], minutes=1))
    result = runner.invoke(args=["billing", "expire-grace"])
    assert "1 account(s) moved to Free" in result.output
    user, _ = billing.account()
    assert user.plan == "free"
    with app.app_context():
        from app.rooms.services import is_read_only

        rooms = db.session.scalars(sa.select(Room).order_by(Room.id)).all()
        assert len(rooms) == 3
        assert [is_read_only(room) for room in rooms] == [False, True, True]
    assert "0 account(s)" in runner.invoke(args=["billing", "expire-grace"]).output


def test_new_card_settles_the_overdue_invoice(app, client, alice, billing, localstripe, deliver, since):
    """Does saving a working card during the grace period pay the open invoice and end the warning?"""
    billing.upgrade("pro")
    _, account = billing.account()
    failed = localstripe.fail_renewal(account.stripe_subscription_id, account.stripe_customer_id)
    deliver_all(deliver, localstripe.events(since, account.stripe_customer_id))
    response = billing.change_card()
    assert response.status_code == 302
    user, account = billing.account()
    assert account.status == "active" and account.grace_until is None and user.plan == "pro"
    assert localstripe.api.v1.invoices.retrieve(failed.id).status == "paid"
    with app.app_context():
        refs = db.session.scalars(sa.select(LedgerEntry.stripe_invoice_id)).all()
    assert failed.id in refs and len(refs) == 2


def test_cancel_keeps_the_plan_until_the_period_ends(app, client, alice, billing, localstripe, deliver, since):
    """Does cancelling keep Pro until Stripe ends the subscription, then fall back to Free?"""
    billing.upgrade("pro")
    response = billing.act("/user/billing/cancel", "cancel-form")
    assert response.status_code == 302
    user, account = billing.account()
    assert account.cancel_at_period_end and user.plan == "pro"
    html = client.get("/user/billing").get_data(as_text=True)
    assert "Cancelled: ends on" in html and 'id="reactivate-form"' in html
    localstripe.end_subscription(account.stripe_subscription_id)
    deliver_all(deliver, localstripe.events(since, account.stripe_customer_id))
    user, account = billing.account()
    assert account.status == "canceled" and user.plan == "free"
    assert 'id="billing-form"' in client.get("/user/billing").get_data(as_text=True)


def test_reactivate_undoes_a_cancellation(client, alice, billing, localstripe):
    """Can a cancelled plan be resumed before it ends, at Stripe as well as here?"""
    billing.upgrade("pro")
    billing.act("/user/billing/cancel", "cancel-form")
    response = billing.act("/user/billing/reactivate", "reactivate-form")
    assert response.status_code == 302
    user, account = billing.account()
    assert not account.cancel_at_period_end and user.plan == "pro"
    sub = localstripe.api.v1.subscriptions.retrieve(account.stripe_subscription_id)
    assert sub.cancel_at_period_end is False


def test_subscribe_again_after_the_plan_ended(client, alice, billing, localstripe, deliver, since):
    """After a plan has ended, can the same account pay for a new one?"""
    billing.upgrade("pro")
    _, account = billing.account()
    localstripe.end_subscription(account.stripe_subscription_id)
    deliver_all(deliver, localstripe.events(since, account.stripe_customer_id))
    response = billing.upgrade("business")
    assert response.status_code == 302
    user, account = billing.account()
    assert user.plan == "business" and account.status == "active"


def test_switch_from_pro_to_business(client, alice, billing, localstripe):
    """Does switching plans change the Stripe subscription and the limits at once?"""
    billing.upgrade("pro")
    response = billing.act("/user/billing/plan", "change-plan-form", plan="business")
    assert response.status_code == 302
    user, account = billing.account()
    assert user.plan == "business" and account.subscribed_plan == "business"
    sub = localstripe.api.v1.subscriptions.retrieve(account.stripe_subscription_id)
    assert sub["items"].data[0].plan.id.startswith("parlor-business-")


def test_upgrading_twice_is_refused(client, alice, billing):
    """Is a second subscription refused while one is running?"""
    billing.upgrade("pro")
    response, _, _ = billing.start_setup("card-form")
    assert response.status_code == 200
    token = _token(client, "/user/billing")
    response = client.post(
        "/user/billing/subscribe",
        data={
            "csrf_token": token,
            "operation": "a" * 32,
            "plan": "business",
            "billing_name": "Alice",
            "billing_email": "alice@example.com",
            "billing_country": "NO",
        },
    )
    assert response.status_code == 400
    assert "already have a paid plan" in response.get_data(as_text=True)
    user, _ = billing.account()
    assert user.plan == "pro"


def _token(client, path="/user/rooms"):
    return csrf_token(client, path)


def test_cancelling_without_a_plan_is_refused(client, alice, billing):
    """Does cancelling on the Free plan explain that there is nothing to cancel?"""
    response = client.post(
        "/user/billing/cancel", data={"csrf_token": _token(client, "/user/billing"), "operation": "b" * 32}
    )
    assert response.status_code == 400
    assert "no paid plan to change" in response.get_data(as_text=True)


def test_ledger_rows_have_no_update_path(app, client, alice, billing):
    """Are ledger rows refused any change once written?"""
    billing.upgrade("pro")
    with app.app_context():
        entry = db.session.scalars(sa.select(LedgerEntry)).one()
        entry.amount_cents = 1
        with pytest.raises(ValueError, match="cannot be changed"):
            db.session.flush()
        db.session.rollback()


def test_account_row_per_user(app, client, alice, billing):
    """Is there exactly one billing account per user after several card checks?"""
    billing.start_setup()
    billing.start_setup()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingAccount)) == 1


def test_pricing_page_leads_signed_in_people_to_billing(client, alice):
    """Does "Choose Pro" on the pricing page open the billing page with Pro chosen?"""
    html = client.get("/information/pricing/").get_data(as_text=True)
    assert "/user/billing?plan=pro" in html
    page = client.get("/user/billing?plan=business").get_data(as_text=True)
    assert '<input checked id="plan-business"' in page


def test_failed_first_payment_sends_no_overdue_notice(app, client, alice, billing, localstripe, deliver, mailbox):
    """Does a failure report for a checkout that never started leave the account Free, with no email?"""
    billing.upgrade("pro", card=CARD_CHARGE_FAILS)
    _, account = billing.account()
    (sub,) = localstripe.api.v1.subscriptions.list(
        params={"customer": account.stripe_customer_id, "status": "all"}
    ).data
    invoice = localstripe.api.v1.invoices.retrieve(sub.latest_invoice)
    assert invoice.status == "open"
    event = {
        "id": "evt_first_payment_failed",
        "object": "event",
        "type": "invoice.payment_failed",
        "created": int(time.time()),
        "data": {"object": {"id": invoice.id, "object": "invoice", "customer": account.stripe_customer_id}},
    }
    assert deliver(event).status_code == 200
    user, account = billing.account()
    assert user.plan == "free" and account.grace_until is None
    time.sleep(0.3)
    assert mailbox.to("alice@example.com") == []


def test_upgrade_works_after_stripe_forgot_the_customer(app, client, alice, billing):
    """After a fresh localstripe (make run restarted) forgets our customer, do the page and upgrade still work?"""
    billing.upgrade("pro")
    user, account = billing.account()
    with app.app_context():
        row = db.session.get(BillingAccount, account.id)
        row.stripe_customer_id = "cus_forgotten"
        row.status = "canceled"  # what its end would have looked like
        db.session.get(type(user), user.id).plan = "free"
        db.session.commit()
    page = client.get("/user/billing")
    assert page.status_code == 200
    assert "could not be loaded" in page.get_data(as_text=True)
    assert billing.upgrade("business").status_code == 302
    user, account = billing.account()
    assert user.plan == "business" and account.stripe_customer_id.startswith("cus_")
    assert account.stripe_customer_id != "cus_forgotten"
