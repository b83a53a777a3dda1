"""/stripe/webhook: signatures, duplicates, concurrency and order, with events recorded by localstripe."""

import json
import threading
import time

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.billing import stripe_api, webhooks
from app.billing.models import LedgerEntry, StripeEvent
from app.extensions import db
from app.plans import PLANS

from .support.billing import signature_header

COPIES = 3


@pytest.fixture
def config_overrides(localstripe):
    return localstripe.config()


@pytest.fixture
def subscribed(alice, billing):
    """Alice on Pro through the real checkout; returns (user id, billing account)."""
    assert billing.upgrade("pro").status_code == 302
    user, account = billing.account()
    return user.id, account


@pytest.fixture
def plan_changes():
    """Every real change of ``User.plan``, from any thread."""
    changes = []
    lock = threading.Lock()

    def record(target, value, oldvalue, initiator):
        if oldvalue in (sa.orm.base.NO_VALUE, sa.orm.base.NEVER_SET) or value == oldvalue:
            return
        with lock:
            changes.append((oldvalue, value))

    sa.event.listen(User.plan, "set", record)
    yield changes
    sa.event.remove(User.plan, "set", record)


@pytest.fixture
def concurrent(app, monkeypatch):
    """Deliver each event COPIES times at once: every copy is held after its Stripe look-up until
    all have made theirs, so all of them pass the "seen before?" check and race for the insert."""
    barrier = threading.Barrier(COPIES, timeout=20)
    original = webhooks.fetch

    def fetch_then_wait(event):
        fetched = original(event)
        barrier.wait()
        return fetched

    monkeypatch.setattr(webhooks, "fetch", fetch_then_wait)

    def deliver(event):
        payload = json.dumps(event)
        results = [None] * COPIES

        def post(index):
            response = app.test_client().post(
                "/stripe/webhook",
                data=payload,
                headers={"Content-Type": "application/json", "Stripe-Signature": signature_header(payload)},
            )
            results[index] = (response.status_code, response.get_json())

        threads = [threading.Thread(target=post, args=(i,)) for i in range(COPIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        return results

    return deliver


def events_since(localstripe, since, customer):
    events = localstripe.events(since, customer)
    assert events, "localstripe recorded no events"
    return events


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="unsigned"),
        pytest.param("t=1,v1=deadbeef", id="garbage"),
        pytest.param(None, id="wrong-secret"),
    ],
)
def test_badly_signed_webhooks_are_refused_and_write_nothing(deliver, subscribed, table_counts, header):
    """Is an unsigned or wrongly signed event refused with 400 before anything is written?"""
    event = {"id": "evt_forged", "object": "event", "type": "customer.subscription.deleted", "data": {"object": {}}}
    before = table_counts()
    response = deliver(event, secret="whsec_someone_else") if header is None else deliver(event, header=header)
    assert response.status_code == 400
    assert table_counts() == before


def test_stale_timestamp_is_refused(deliver, subscribed, table_counts, localstripe):
    """Is a correctly signed event older than five minutes refused, so a captured one cannot be replayed?"""
    _, account = subscribed
    event = localstripe.events(0, account.stripe_customer_id)[-1]
    before = table_counts()
    response = deliver(event, timestamp=int(time.time()) - 301)
    assert response.status_code == 400
    assert table_counts() == before


def test_signed_body_must_be_the_raw_body(app, subscribed, table_counts, localstripe):
    """Does re-serialising the JSON (a different raw body) break the signature?"""
    _, account = subscribed
    event = localstripe.events(0, account.stripe_customer_id)[-1]
    signed = json.dumps(event)
    before = table_counts()
    response = app.test_client().post(
        "/stripe/webhook", data=json.dumps(event, indent=2), headers={"Stripe-Signature": signature_header(signed)}
    )
    assert response.status_code == 400
    assert table_counts() == before


def test_a_retried_event_is_acknowledged_but_applied_once(app, deliver, subscribed, localstripe, since_start):
    """Does a second delivery of the same event answer 200 as a duplicate and change nothing?"""
    _, account = subscribed
    event = [
        e for e in events_since(localstripe, since_start, account.stripe_customer_id) if "invoice.payment" in e["type"]
    ][0]
    first, second = deliver(event), deliver(event)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.get_json()["duplicate"] is True
    assert count(app, StripeEvent) == 1
    assert count(app, LedgerEntry) == 1


@pytest.fixture
def since_start():
    return int(time.time()) - 1


@pytest.mark.parametrize("order", ["as sent", "reversed"])
def test_concurrent_copies_in_any_order_change_the_plan_once(
    app, subscribed, localstripe, concurrent, plan_changes, order
):
    """Three simultaneous copies of every event of a plan switch, in either order: one change, one row each?"""
    user_id, account = subscribed
    since = int(time.time()) - 1
    customer = account.stripe_customer_id
    # At Stripe: the Pro subscription ends and a Business one starts (as from Stripe's dashboard).
    localstripe.end_subscription(account.stripe_subscription_id)
    with app.app_context():
        business = stripe_api.ensure_plan(PLANS["business"])
    localstripe.api.v1.subscriptions.create(params={"customer": customer, "items": [{"plan": business}]})
    events = events_since(localstripe, since, customer)
    assert {"customer.subscription.deleted", "customer.subscription.created", "invoice.payment_succeeded"} <= {
        e["type"] for e in events
    }
    if order == "reversed":
        events.reverse()

    for event in events:
        results = concurrent(event)
        assert [status for status, _ in results] == [200] * COPIES, results
        assert sorted(body["duplicate"] for _, body in results) == [False, True, True]

    assert plan_changes == [("pro", "business")]
    assert count(app, StripeEvent) == len(events)
    assert count(app, LedgerEntry) == 2  # the checkout and the Business invoice, once each
    with app.app_context():
        assert db.session.get(User, user_id).plan == "business"


def test_concurrent_copies_of_a_payment_failure_send_one_email(
    app, subscribed, localstripe, concurrent, plan_changes, mailbox
):
    """Three simultaneous copies of each failed-payment event: one grace period, one email, no plan change?"""
    _, account = subscribed
    since = int(time.time()) - 1
    localstripe.fail_renewal(account.stripe_subscription_id, account.stripe_customer_id)
    events = events_since(localstripe, since, account.stripe_customer_id)
    assert "invoice.payment_failed" in {e["type"] for e in events}
    for event in reversed(events):
        results = concurrent(event)
        assert sorted(body["duplicate"] for _, body in results) == [False, True, True]
    time.sleep(0.5)
    assert len(mailbox.to("alice@example.com")) == 1
    assert plan_changes == []
    with app.app_context():
        from app.billing.models import BillingAccount

        row = db.session.get(BillingAccount, account.id)
        assert row.status == "past_due" and row.grace_until is not None


def test_event_for_a_customer_we_do_not_know_changes_nothing(app, deliver, localstripe, alice, table_counts):
    """Is an event about someone else's Stripe customer stored as seen and otherwise ignored?"""
    stranger = localstripe.api.v1.customers.create(params={"email": "stranger@example.com"})
    event = {
        "id": "evt_stranger_1",
        "object": "event",
        "type": "customer.subscription.updated",
        "created": int(time.time()),
        "data": {"object": {"id": "sub_unknown", "object": "subscription", "customer": stranger.id}},
    }
    before = table_counts()
    response = deliver(event)
    assert response.status_code == 200
    after = table_counts()
    assert after.pop("stripe_events") == before.pop("stripe_events") + 1
    assert after == before


def test_refund_is_recorded_once(app, deliver, subscribed, localstripe):
    """Does a refund made at Stripe become one refund row, however often Stripe reports it?"""
    user_id, _ = subscribed
    with app.app_context():
        charge = db.session.scalars(sa.select(LedgerEntry)).one()
        charge_id, customer = charge.stripe_charge_id, charge.stripe_customer_id
    localstripe.api.v1.refunds.create(params={"charge": charge_id, "amount": 500})
    for n in range(2):
        event = {
            "id": f"evt_refund_{n}",
            "object": "event",
            "type": "charge.refunded",
            "created": int(time.time()),
            "data": {"object": {"id": charge_id, "object": "charge", "customer": customer}},
        }
        assert deliver(event).status_code == 200
    with app.app_context():
        refund = db.session.scalars(sa.select(LedgerEntry).where(LedgerEntry.kind == "refund")).one()
        assert refund.amount_cents == 500 and refund.signed_cents == -500
        assert refund.user_id == user_id and refund.stripe_charge_id == charge_id
