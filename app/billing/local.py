"""localstripe, the offline stand-in for Stripe that ``make run`` starts when no real keys are set.

localstripe serves the Stripe API under ``/v1/``, a fake Stripe.js at ``/js.stripe.com/v3/``
(plain inputs instead of Stripe's iframe, same ``Stripe()``/``confirmCardSetup`` calls) and
delivers signed webhooks to URLs registered with ``POST /_config/webhooks/<name>``.
"""

import json
import time
import urllib.error
import urllib.parse
import urllib.request

from config import kept_secret

SECRET_KEY = "sk_test_localstripe"  # noqa: S105 (localstripe accepts any sk_ key; not a secret)
PUBLISHABLE_KEY = "pk_test_localstripe"
WEBHOOK_NAME = "parlor"


def webhook_secret():
    """One signing secret per installation, kept under instance/ like the other development secrets."""
    return "whsec_" + kept_secret("LOCALSTRIPE_WEBHOOK_SECRET")


def localstripe_env(port, app_url):
    """Environment for the web process: the stripe library and the page's Stripe.js go to localstripe."""
    host = urllib.parse.urlsplit(app_url).hostname or "127.0.0.1"
    return {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": PUBLISHABLE_KEY,
        "STRIPE_API_BASE": f"http://127.0.0.1:{port}",
        # The browser loads it from the host it uses for the app; the script talks to its own origin.
        "STRIPE_JS_URL": f"http://{host}:{port}/js.stripe.com/v3/",
        "STRIPE_WEBHOOK_SECRET": webhook_secret(),
    }


def register_local_webhook(port, app_url, secret=None, name=WEBHOOK_NAME, attempts=20):
    """Ask localstripe to deliver every event to our /stripe/webhook, signed with our secret."""
    body = json.dumps({"url": app_url.rstrip("/") + "/stripe/webhook", "secret": secret or webhook_secret()})
    request = urllib.request.Request(  # noqa: S310 (a localhost URL we built)
        f"http://127.0.0.1:{port}/_config/webhooks/{name}",
        data=body.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                return response.status == 200
        except (urllib.error.URLError, ConnectionError):
            if attempt == attempts - 1:
                raise
            time.sleep(0.25)
    return False
