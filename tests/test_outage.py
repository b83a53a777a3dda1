"""While the database is unreachable, people and Stripe get a designed 503 that says when to retry."""

import hashlib
import hmac
import json
import time

import pytest

import config
from app import create_app

WEBHOOK_SECRET = "whsec_outage"  # noqa: S105 (a test value)


class DatabaseAway(config.TestingConfig):
    def __init__(self):
        super().__init__()
        # Nothing listens on the discard port: every connection attempt is refused at once.
        self.SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://parlor@127.0.0.1:9/parlor?connect_timeout=2"
        self.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        self.RATELIMIT_ENABLED = False


@pytest.fixture
def away():
    return create_app(DatabaseAway).test_client()


def test_a_page_that_needs_the_database_answers_503_with_retry_after(away):
    """Does a room's lobby answer the designed 503 page with Retry-After instead of a 500?"""
    response = away.get("/some-room")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert "Back in a moment" in response.get_data(as_text=True)


def test_a_signed_in_person_gets_the_503_page_too(away):
    """Is the 503 page shown to someone whose session names an account we cannot load right now?"""
    with away.session_transaction() as session:
        session["_user_id"] = "1"
    response = away.get("/user/profile")
    assert response.status_code == 503
    assert "Back in a moment" in response.get_data(as_text=True)


def test_stripe_gets_a_5xx_so_it_delivers_again(away):
    """Is a correctly signed webhook answered 503 in JSON, so that Stripe retries it later?"""
    body = json.dumps({"id": "evt_outage", "object": "event", "type": "customer.updated", "data": {"object": {}}})
    stamp = int(time.time())
    signature = hmac.new(WEBHOOK_SECRET.encode(), f"{stamp}.{body}".encode(), hashlib.sha256).hexdigest()
    response = away.post(
        "/stripe/webhook",
        data=body,
        headers={"Stripe-Signature": f"t={stamp},v1={signature}"},
        content_type="application/json",
    )
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.get_json()["retry_after"] == 30
