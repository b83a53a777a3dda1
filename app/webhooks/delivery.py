"""The delivery worker: sends due outbox rows, signed, and schedules retries.

Each attempt first *claims* its row with a conditional update that pushes ``next_attempt_at``
a lease into the future, and commits. Several workers (or app processes) may run at once: only
one wins the claim. If a process dies mid-request, the lease runs out and the row is sent again
with the same event id, which is why receivers de-duplicate. Retries back off exponentially
(``WEBHOOK_RETRY_BASE_SECONDS`` doubled per attempt, at most an hour apart) until 24 hours after
the event, then the delivery is marked failed.
"""

import logging
import urllib.error
import urllib.request
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db, socketio
from ..timeutil import utcnow
from .models import DELIVERED, FAILED, PENDING, WebhookDelivery
from .services import allows_local, resolves_to_local
from .signing import EVENT_ID_HEADER, HEADER, sign

log = logging.getLogger("parlor.webhooks")

GIVE_UP_AFTER = timedelta(hours=24)
MAX_INTERVAL = timedelta(hours=1)
LEASE = timedelta(seconds=60)  # longer than a request may take
TIMEOUT_SECONDS = 10
BATCH = 50


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect would send the signed event somewhere the account never registered."""

    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def backoff(attempts):
    base = timedelta(seconds=current_app.config.get("WEBHOOK_RETRY_BASE_SECONDS", 10))
    return min(base * (2 ** max(0, attempts - 1)), MAX_INTERVAL)


def _claim(delivery_id, seen_due_at, now):
    """Take the row for this attempt; False when another worker got it first (it moved ``next_attempt_at``)."""
    claimed = db.session.execute(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at == seen_due_at,
        )
        .values(next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def post(url, secret, event_id, body):
    """Send one attempt: (response code or None, error text or None)."""
    if not allows_local() and resolves_to_local(url):
        return None, "The host resolves to a private network address."
    request = urllib.request.Request(  # noqa: S310 (check_url allowed only http(s))
        url,
        data=body.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Parlor-Webhooks/1",
            HEADER: sign(secret, body),
            EVENT_ID_HEADER: event_id,
        },
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, None
    except (OSError, ValueError) as error:
        return None, str(error)[:200] or error.__class__.__name__


def attempt(delivery, now):
    code, error = post(delivery.endpoint.url, delivery.endpoint.secret, delivery.event_id, delivery.payload)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_response_code = code
    delivery.last_error = error or (None if code and 200 <= code < 300 else f"HTTP {code}")
    if code is not None and 200 <= code < 300:
        delivery.status = DELIVERED
    elif now - delivery.created_at >= GIVE_UP_AFTER:
        delivery.status = FAILED
    else:
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    db.session.commit()


def deliver_due(limit=BATCH):
    """One pass over the outbox: every due delivery gets one attempt. Returns how many were tried."""
    now = utcnow()
    due = db.session.execute(
        sa.select(WebhookDelivery.id, WebhookDelivery.next_attempt_at)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at)
        .limit(limit)
    ).all()
    tried = 0
    for delivery_id, due_at in due:
        if not _claim(delivery_id, due_at, now):
            continue
        attempt(db.session.get(WebhookDelivery, delivery_id), utcnow())
        tried += 1
    return tried


def _run(app, every):
    while True:
        try:
            with app.app_context():
                deliver_due()
                db.session.remove()
        except Exception:  # the worker outlives a bad pass (database restarting, say)
            log.exception("webhook delivery pass failed")
        socketio.sleep(every)


def start_worker(app):
    """Run deliveries in the background of this app process (a Socket.IO background task)."""
    if not app.config.get("WEBHOOK_WORKER", True):
        return None
    return socketio.start_background_task(_run, app, app.config.get("WEBHOOK_POLL_SECONDS", 2))
