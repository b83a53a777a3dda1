"""A real localstripe server for the tests, and what a browser and Stripe's side do to it.

``confirm_card`` sends exactly what localstripe's Stripe.js sends from the page, so the
server-side flow is the one a person drives. The other helpers act as Stripe itself would
(renewals, failed payments, a subscription ending) and return the events Stripe recorded,
which the tests sign and deliver to /stripe/webhook themselves, as often and in whatever
order they like.
"""

import hashlib
import hmac
import json
import re
import sys
import time
from pathlib import Path

import requests
import sqlalchemy as sa
import stripe

from app.auth.models import User
from app.billing.models import BillingAccount
from app.extensions import db

from .accounts import csrf_token
from .services import Daemon, free_port

CARD_OK = "4242424242424242"
CARD_DECLINED = "4000000000000002"  # refused when the card is confirmed
CARD_CHARGE_FAILS = "4000000000000341"  # confirms, then every charge fails
CARD_FAILS_AFTER_3DS = "4000008260003178"  # asks for authentication, then the charge is declined
WEBHOOK_SECRET = "whsec_testing"  # noqa: S105
PUBLISHABLE_KEY = "pk_test_testing"


class LocalStripe:
    def __init__(self, directory):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "localstripe", "--port", str(self.port), "--from-scratch"]
        self.daemon = Daemon(command, self.port, Path(directory) / "localstripe.log")
        self.api = stripe.StripeClient("sk_test_testing", base_addresses={"api": self.url})

    def start(self):
        self.daemon.start()
        return self

    def stop(self):
        self.daemon.stop()

    def config(self):
        return {
            "STRIPE_SECRET_KEY": "sk_test_testing",
            "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
            "STRIPE_API_BASE": self.url,
            "STRIPE_JS_URL": f"{self.url}/js.stripe.com/v3/",
            "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        }

    # ------------------------------------------------------------ what the page's Stripe.js does
    def confirm_card(self, client_secret, number=CARD_OK, postal_code="0150"):
        intent = re.match(r"^(seti_\w+)_secret_", client_secret).group(1)
        body = {
            "key": PUBLISHABLE_KEY,
            "use_stripe_sdk": True,
            "client_secret": client_secret,
            "payment_method_data": {
                "type": "card",
                "card": {"number": number, "exp_month": "12", "exp_year": "2031", "cvc": "123"},
                "billing_details": {"address": {"postal_code": postal_code}},
            },
        }
        return requests.post(f"{self.url}/v1/setup_intents/{intent}/confirm", data=json.dumps(body), timeout=10)

    # ------------------------------------------------------------ what Stripe does on its own
    def renew(self, subscription_id, customer_id):
        """The next month's invoice, charged to the default card."""
        invoice = self.api.v1.invoices.create(params={"customer": customer_id, "subscription": subscription_id})
        return self.api.v1.invoices.pay(invoice.id)

    def fail_renewal(self, subscription_id, customer_id):
        """A renewal whose charge is declined: Stripe marks the subscription past_due."""
        card = self.api.v1.payment_methods.create(
            params={
                "type": "card",
                "card": {"number": CARD_FAILS_AFTER_3DS, "exp_month": 12, "exp_year": 2031, "cvc": "123"},
            }
        )
        self.api.v1.payment_methods.attach(card.id, params={"customer": customer_id})
        self.api.v1.customers.update(customer_id, params={"invoice_settings": {"default_payment_method": card.id}})
        invoice = self.renew(subscription_id, customer_id)
        intent = self.api.v1.payment_intents.retrieve(invoice.payment_intent)
        response = requests.post(
            f"{self.url}/v1/payment_intents/{intent.id}/_authenticate",
            params={"success": "true"},
            data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": intent.client_secret}),
            timeout=10,
        )
        assert response.status_code == 402, response.text  # the bank declined the charge
        return self.api.v1.invoices.retrieve(invoice.id)

    def end_subscription(self, subscription_id):
        """The end of a cancelled period (or Stripe giving up on an unpaid one)."""
        return self.api.v1.subscriptions.cancel(subscription_id)

    def events(self, since, customer_id=None):
        """Events recorded since ``since`` (a Unix time), oldest first, optionally for one customer."""
        found, after = [], None
        while True:
            params = {"created": {"gte": int(since)}, "limit": 100}
            if after:
                params["starting_after"] = after
            page = requests.get(
                f"{self.url}/v1/events",
                params=_flatten(params),
                headers={"Authorization": "Bearer sk_test_testing"},
                timeout=10,
            ).json()
            found.extend(page["data"])
            if not page["has_more"]:
                break
            after = page["data"][-1]["id"]
        if customer_id:
            found = [e for e in found if _concerns(e, customer_id)]
        return found


def _concerns(event, customer_id):
    obj = event["data"]["object"]
    return customer_id in (obj.get("customer"), obj["id"])


def _flatten(params, prefix=""):
    flat = {}
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            flat.update(_flatten(value, name))
        else:
            flat[name] = value
    return flat


def signature_header(payload, secret=WEBHOOK_SECRET, timestamp=None):
    """What Stripe sends: ``t=<time>,v1=HMAC-SHA256(secret, "<time>.<payload>")``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


OPERATION_RE = re.compile(r'name="operation"[^>]*value="([0-9a-f]{32})"')


class BillingActions:
    """What a signed-in person does on /user/billing, with the card step done as Stripe.js does it."""

    def __init__(self, app, client, localstripe):
        self.app = app
        self.client = client
        self.stripe = localstripe

    def form_fields(self, form_id):
        html = self.client.get("/user/billing").get_data(as_text=True)
        start = html.index(f'id="{form_id}"')
        block = html[start : html.index("</form>", start)]
        return csrf_token(self.client, "/user/billing"), OPERATION_RE.search(block).group(1)

    def start_setup(self, form_id="billing-form"):
        token, operation = self.form_fields(form_id)
        response = self.client.post(
            "/user/billing/setup", json={"operation": operation}, headers={"X-CSRFToken": token}
        )
        return response, token, operation

    def upgrade(self, plan="pro", card=None, **fields):
        response, token, operation = self.start_setup()
        assert response.status_code == 200, response.get_data(as_text=True)
        self.confirmed = self.stripe.confirm_card(response.json["client_secret"], card or CARD_OK)
        data = {
            "csrf_token": token,
            "operation": operation,
            "plan": plan,
            "billing_name": "Alice Example",
            "billing_email": "alice@example.com",
            "billing_country": "NO",
            "billing_line1": "Storgata 1",
            "billing_postal_code": "0155",
            "billing_city": "Oslo",
        }
        data.update(fields)
        return self.client.post("/user/billing/subscribe", data=data)

    def act(self, path, form_id, **fields):
        token, operation = self.form_fields(form_id)
        return self.client.post(path, data={"csrf_token": token, "operation": operation, **fields})

    def change_card(self, card=None):
        response, token, operation = self.start_setup("card-form")
        assert response.status_code == 200, response.get_data(as_text=True)
        self.stripe.confirm_card(response.json["client_secret"], card or CARD_OK)
        return self.client.post("/user/billing/card", data={"csrf_token": token, "operation": operation})

    def account(self, email="alice@example.com"):
        with self.app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == email))
            account = db.session.scalar(sa.select(BillingAccount).where(BillingAccount.user_id == user.id))
            db.session.expunge_all()
            return user, account
