"""Seats: a Business subscription's quantity, changed with prorations at (local) Stripe."""

import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.orgs.models import Organisation

from .support.accounts import csrf_token
from .support.orgs import invite, post


@pytest.fixture
def config_overrides(localstripe):
    return localstripe.config()


@pytest.fixture
def business_org(app, client, alice, billing):
    """Alice pays for Business and creates Acme on /org/new."""
    assert billing.upgrade("business").status_code == 302
    response = post(client, "/org/new", "/org/new", name="Acme", slug="acme")
    assert response.status_code == 302, response.get_data(as_text=True)
    return "acme"


def set_seats(client, seats):
    page = client.get("/org/acme/billing").get_data(as_text=True)
    operation = re.search(r'name="operation" value="([0-9a-f]{32})"', page).group(1)
    token = csrf_token(client, "/org/acme/billing")
    return client.post("/org/acme/billing", data={"csrf_token": token, "operation": operation, "seats": seats})


def subscription(billing, localstripe):
    _, account = billing.account()
    return localstripe.api.v1.subscriptions.retrieve(account.stripe_subscription_id), account


def test_new_organisation_has_the_seats_paid_for(app, business_org):
    """Does an organisation start with the subscription's quantity (one seat, its owner's)?"""
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        assert (org.seats, org.billed) == (1, True)


def test_adding_seats_changes_the_quantity_with_proration(app, client, business_org, billing, localstripe):
    """Does adding seats set the subscription item's quantity at Stripe and leave a proration for the invoice?"""
    assert invite(client, "bob@example.com").status_code == 400  # the owner holds the only seat
    response = set_seats(client, 3)
    assert response.status_code == 302, response.get_data(as_text=True)
    sub, account = subscription(billing, localstripe)
    assert sub["items"]["data"][0]["quantity"] == 3
    items = localstripe.api.v1.invoice_items.list(params={"customer": account.stripe_customer_id})
    assert any(item["proration"] for item in items["data"])
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation.seats)) == 3
    assert invite(client, "bob@example.com").status_code == 302
    invoice = localstripe.renew(account.stripe_subscription_id, account.stripe_customer_id)
    lines = invoice["lines"]["data"]
    assert any(line["quantity"] == 3 and not line["proration"] for line in lines)  # the invoice shows the seats
    assert any(line["proration"] and line["amount"] < 0 for line in lines)  # the unused time, credited


def test_seats_cannot_drop_below_those_taken(app, client, business_org, billing, localstripe):
    """Is lowering the seats below members plus open invitations refused, with Stripe untouched?"""
    set_seats(client, 2)
    invite(client, "bob@example.com")
    response = set_seats(client, 1)
    assert response.status_code == 400 and "hold 2 seats" in response.get_data(as_text=True)
    sub, _ = subscription(billing, localstripe)
    assert sub["items"]["data"][0]["quantity"] == 2


def test_operator_organisations_have_fixed_seats(app, acme, sign_in):
    """Is an operator's organisation's seat count fixed, with nothing to pay?"""
    owner = sign_in("owner@example.com")
    assert 'id="fixed-seats"' in owner.get("/org/acme/billing").get_data(as_text=True)
    assert post(owner, "/org/acme/billing", "/org/acme/billing", seats="9").status_code == 403
