"""`make run` without Stripe keys: localstripe's settings, its Stripe.js, and its webhooks to the app."""

import threading
import time

import pytest
import requests
import sqlalchemy as sa
from werkzeug.serving import make_server

from app.billing.local import localstripe_env, register_local_webhook
from app.billing.models import StripeEvent
from app.extensions import db

from .support.billing import LocalStripe
from .support.services import free_port


@pytest.fixture
def own_localstripe(tmp_path, monkeypatch):
    """A localstripe of this test's own, so its registered webhook reaches no other test."""
    monkeypatch.setenv("LOCALSTRIPE_WEBHOOK_SECRET", "local-test-secret")
    server = LocalStripe(tmp_path).start()
    yield server
    server.stop()


@pytest.fixture
def app_port():
    return free_port()


@pytest.fixture
def config_overrides(own_localstripe, app_port):
    return localstripe_env(own_localstripe.port, f"http://127.0.0.1:{app_port}")


@pytest.fixture
def live_app(app, app_port):
    """The app served over HTTP in a thread, where localstripe can deliver to it."""
    server = make_server("127.0.0.1", app_port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{app_port}"
    server.shutdown()


def test_localstripe_env_points_library_and_page_at_localstripe(own_localstripe):
    """Do the settings send the library and the page's Stripe.js to localstripe, with test keys?"""
    settings = localstripe_env(own_localstripe.port, "http://127.0.0.1:5000")
    assert settings["STRIPE_SECRET_KEY"].startswith("sk_test_")
    assert settings["STRIPE_PUBLISHABLE_KEY"].startswith("pk_test_")
    assert settings["STRIPE_API_BASE"] == own_localstripe.url
    assert settings["STRIPE_WEBHOOK_SECRET"] == "whsec_local-test-secret"
    script = requests.get(settings["STRIPE_JS_URL"], timeout=10)
    assert script.status_code == 200 and "confirmCardSetup" in script.text


def test_registered_webhook_delivers_signed_events_to_the_app(app, live_app, own_localstripe, alice, billing):
    """After register_local_webhook, do localstripe's own signed deliveries reach /stripe/webhook and apply?"""
    assert register_local_webhook(own_localstripe.port, live_app)
    billing.stripe = own_localstripe
    assert billing.upgrade("pro").status_code == 302
    wanted = {"customer.subscription.created", "invoice.payment_succeeded"}
    deadline = time.time() + 20
    seen = set()
    while time.time() < deadline and not wanted <= seen:
        time.sleep(0.3)
        with app.app_context():
            seen = set(db.session.scalars(sa.select(StripeEvent.type)).all())
    assert wanted <= seen
    user, account = billing.account()
    assert user.plan == "pro" and account.status == "active"


def test_production_refuses_stripe_keys_without_a_webhook_secret(monkeypatch):
    """Does production refuse to start with a Stripe key but no webhook secret (renewals would all bounce)?"""
    from config import ProductionConfig

    for name, value in {
        "SECRET_KEY": "x" * 40,
        "DATABASE_URL": "sqlite://",
        "NODE_MASTER_SECRET": "node-secret",
        "PUBLIC_URL": "https://parlor.example",
        "METRICS_TOKEN": "m" * 32,
        "MAIL_URL": "smtp://smtp.example:25",
        "SMS_URL": "twilio://AC123:token@api.twilio.com?from=%2B4791234567",
        "STRIPE_SECRET_KEY": "sk_live_example",
        "STRIPE_PUBLISHABLE_KEY": "pk_live_example",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET", raising=False)
    with pytest.raises(RuntimeError, match="STRIPE_WEBHOOK_SECRET"):
        ProductionConfig().check()
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_example")
    ProductionConfig().check()
