"""The transaction ledger outlives accounts and is kept five to ten years; Stripe writes carry our keys."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
import stripe

from app.auth.models import User
from app.billing import stripe_api
from app.billing.ledger import insert_once
from app.billing.models import BillingAccount, LedgerEntry
from app.extensions import db
from app.privacy.retention import purge, schedule


@pytest.fixture
def config_overrides(localstripe):
    return localstripe.config()


def add_entry(app, occurred_at, ref="in_test_1", user_id=None):
    with app.app_context():
        insert_once(
            LedgerEntry,
            user_id=user_id,
            kind="charge",
            amount_cents=999,
            currency="eur",
            description="Parlor Pro, one month",
            billing_email="alice@example.com",
            billing_country="NO",
            stripe_ref=ref,
            stripe_invoice_id=ref,
            occurred_at=occurred_at,
            recorded_at=occurred_at,
        )
        db.session.commit()


def ledger_refs(app):
    with app.app_context():
        return db.session.scalars(sa.select(LedgerEntry.stripe_ref)).all()


def test_ledger_survives_account_deletion(app, alice, billing):
    """When the User row is deleted, do its transactions stay, detached from it, with every detail?"""
    billing.upgrade("pro")
    user, account = billing.account()
    with app.app_context():
        db.session.delete(db.session.get(User, user.id))
        db.session.commit()
        entry = db.session.scalars(sa.select(LedgerEntry)).one()
        assert entry.user_id is None
        assert entry.billing_email == "alice@example.com" and entry.amount_cents == 999
        assert entry.stripe_customer_id == account.stripe_customer_id and entry.stripe_invoice_id
        assert db.session.scalar(sa.select(sa.func.count()).select_from(BillingAccount)) == 0


def test_ledger_foreign_key_sets_null_in_the_database(app):
    """Does the schema itself say ON DELETE SET NULL, for the erasure service's bulk deletes?"""
    with app.app_context():
        (foreign_key,) = sa.inspect(db.engine).get_foreign_keys("billing_transactions")
    assert foreign_key["referred_table"] == "users"
    assert foreign_key["options"].get("ondelete") == "SET NULL"


def test_purge_keeps_transactions_for_five_years(app, clock):
    """Is a transaction still there after five years and a day of purges?"""
    add_entry(app, clock.now)
    clock.advance(timedelta(days=5 * 366 + 1))
    with app.app_context():
        report = purge()
    assert report["payment transactions"] == 0
    assert ledger_refs(app) == ["in_test_1"]


def test_purge_deletes_transactions_after_ten_years(app, clock):
    """Is a transaction deleted once it is ten years (3,650 days) old, and only then?"""
    add_entry(app, clock.now, ref="in_old")
    add_entry(app, clock.now + timedelta(days=2), ref="in_newer")
    clock.advance(timedelta(days=3650, hours=1))
    with app.app_context():
        assert purge()["payment transactions"] == 1
    assert ledger_refs(app) == ["in_newer"]


def test_retention_schedule_lists_transactions(app):
    """Does the privacy page's retention schedule show the ten-year rule?"""
    with app.app_context():
        assert ("payment transactions", "3650 days") in schedule()


def test_same_stripe_reference_is_one_row(app):
    """Does inserting the same payment twice leave a single row?"""
    add_entry(app, app_now())
    add_entry(app, app_now())
    assert ledger_refs(app) == ["in_test_1"]


def app_now():
    from app.timeutil import utcnow

    return utcnow()


class RecordingClient(stripe.RequestsClient):
    """The stripe library's own HTTP client, noting each request's method, path and idempotency key."""

    def __init__(self):
        super().__init__()
        self.seen = []

    def request(self, method, url, headers, post_data=None):
        self.seen.append((method.upper(), url.split("/v1/", 1)[-1], (headers or {}).get("Idempotency-Key")))
        return super().request(method, url, headers, post_data)


@pytest.fixture
def recorded(app, localstripe):
    http = RecordingClient()
    app.extensions["parlor_stripe"] = stripe.StripeClient(
        "sk_test_testing", base_addresses={"api": localstripe.url}, http_client=http, max_network_retries=0
    )
    return http.seen


def test_every_stripe_write_carries_our_idempotency_key(app, alice, billing, recorded):
    """Does each Stripe call that changes something send a key made from our operation id?"""
    billing.upgrade("pro")
    billing.act("/user/billing/cancel", "cancel-form")
    writes = [(method, path, key) for method, path, key in recorded if method in ("POST", "DELETE")]
    assert {path.split("/")[0] for _, path, _ in writes} >= {"customers", "setup_intents", "subscriptions"}
    assert all(key and key.startswith("parlor-") for _, _, key in writes), writes
    assert len({key for _, _, key in writes}) == len(writes)


def test_a_retried_operation_reuses_its_keys(app, alice, billing, recorded):
    """Does a repeated request for the same operation send the same key, and a new operation a new one?"""
    _, token, operation = billing.start_setup()
    for op in (operation, operation, "f" * 32):
        billing.client.post("/user/billing/setup", json={"operation": op}, headers={"X-CSRFToken": token})
    keys = [key for method, path, key in recorded if path == "setup_intents"]
    assert len(keys) == 4
    assert keys[0] == keys[1] == keys[2] != keys[3]
    user, _ = billing.account()
    assert keys[0] == stripe_api.idempotency_key(f"user-{user.id}:{operation}", "setup-intent")
