"""Nobody can pay for, change or cancel another person's plan through the billing pages."""

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.billing.models import BillingAccount
from app.extensions import db

from .support.accounts import AuthActions, csrf_token
from .support.billing import BillingActions


@pytest.fixture
def config_overrides(localstripe):
    return localstripe.config()


@pytest.fixture
def bob(app, localstripe):
    """A second person in a browser of their own."""
    client = app.test_client()
    AuthActions(app, client).signup("bob@example.com")
    return BillingActions(app, client, localstripe)


def plan_of(app, email):
    with app.app_context():
        return db.session.scalar(sa.select(User.plan).where(User.email == email))


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/user/billing"),
        ("post", "/user/billing/setup"),
        ("post", "/user/billing/subscribe"),
        ("post", "/user/billing/plan"),
        ("post", "/user/billing/card"),
        ("post", "/user/billing/cancel"),
        ("post", "/user/billing/reactivate"),
    ],
)
def test_billing_needs_a_signed_in_account(app, method, path):
    """Is every billing page and action closed to visitors who are not signed in?"""
    app.config["WTF_CSRF_ENABLED"] = False
    response = getattr(app.test_client(), method)(path)
    assert response.status_code in (302, 401)
    if response.status_code == 302:
        assert "/user/login" in response.headers["Location"]


def test_card_setup_needs_the_csrf_token(client, alice):
    """Is the JSON card-setup call refused without the page's CSRF token?"""
    response = client.post("/user/billing/setup", json={"operation": "a" * 32})
    assert response.status_code == 400


def test_someone_elses_confirmed_card_cannot_pay_for_my_plan(app, client, alice, billing, bob, localstripe):
    """If a session carried another customer's SetupIntent, is the upgrade refused and nobody charged?"""
    response, _, _ = bob.start_setup()
    bobs_secret = response.json["client_secret"]
    assert localstripe.confirm_card(bobs_secret).status_code == 200
    with bob.client.session_transaction() as session:
        bobs_intent = session["billing_setup_intent"]

    response, token, operation = billing.start_setup()
    with client.session_transaction() as session:
        session["billing_setup_intent"] = bobs_intent  # what a forged session would hold
    response = client.post(
        "/user/billing/subscribe",
        data={
            "csrf_token": token,
            "operation": operation,
            "plan": "pro",
            "billing_name": "Alice",
            "billing_email": "alice@example.com",
            "billing_country": "NO",
        },
    )
    assert response.status_code == 400
    assert "could not confirm your card" in response.get_data(as_text=True)
    assert plan_of(app, "alice@example.com") == "free"
    _, bobs_account = bob.account("bob@example.com")
    assert localstripe.api.v1.subscriptions.list(params={"customer": bobs_account.stripe_customer_id}).data == []


def test_account_fields_in_a_form_are_ignored(app, client, alice, billing, bob):
    """Does naming another user or customer in the form change nothing but the signed-in account?"""
    bob.start_setup()
    bob_user, bobs_account = bob.account("bob@example.com")
    response = billing.upgrade(
        "business", user_id=str(bob_user.id), customer=bobs_account.stripe_customer_id, email="bob@example.com"
    )
    assert response.status_code == 302
    assert plan_of(app, "alice@example.com") == "business"
    assert plan_of(app, "bob@example.com") == "free"
    with app.app_context():
        bob_row = db.session.get(BillingAccount, bobs_account.id)
        assert bob_row.stripe_subscription_id is None


def test_cancelling_acts_on_my_subscription_only(app, client, alice, billing, bob, localstripe):
    """With two paying accounts, does one cancelling leave the other's subscription untouched?"""
    billing.upgrade("pro")
    bob.upgrade("pro", billing_email="bob@example.com")
    billing.act("/user/billing/cancel", "cancel-form")
    _, alices = billing.account("alice@example.com")
    _, bobs = bob.account("bob@example.com")
    assert alices.cancel_at_period_end and not bobs.cancel_at_period_end
    assert localstripe.api.v1.subscriptions.retrieve(bobs.stripe_subscription_id).cancel_at_period_end is False


def test_webhooks_ignore_the_session(app, client, alice, table_counts):
    """Is a signed-in browser's POST to the webhook, with a valid CSRF token, still refused unsigned?"""
    before = table_counts()
    token = csrf_token(client, "/user/billing")
    response = client.post("/stripe/webhook", data={"csrf_token": token, "type": "invoice.paid"})
    assert response.status_code == 400
    assert table_counts() == before
