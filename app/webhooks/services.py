"""Webhook endpoints of an account, and putting events in their outbox."""

import ipaddress
import json
import secrets
import socket
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..timeutil import utcnow
from .models import EVENTS, WebhookDelivery, WebhookEndpoint

LOCAL_NAMES = ("localhost", "localhost.localdomain")
MAX_ENDPOINTS = 10


class WebhookError(Exception):
    """An endpoint that cannot be registered; the message says why."""


def allows_local():
    """Development and tests may send to this machine over http; production only to public https URLs."""
    return current_app.debug or current_app.config.get("WEBHOOKS_ALLOW_LOCAL", False)


def _is_local_address(address):
    ip = ipaddress.ip_address(address)
    return not ip.is_global


def check_url(url):
    """Refuse URLs we must not call: other schemes, credentials, and (in production) our own network."""
    url = (url or "").strip()
    if len(url) > 500:
        raise WebhookError("A webhook URL is at most 500 characters.")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError for a bad port)
    except ValueError:
        raise WebhookError("That is not a valid URL.") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        raise WebhookError("A webhook URL starts with https:// and names a host.")
    if parts.username or parts.password:
        raise WebhookError("Leave user names and passwords out of the URL; check our signature instead.")
    if not allows_local():
        if parts.scheme != "https":
            raise WebhookError("Webhook URLs must use https.")
        if host in LOCAL_NAMES or host.endswith(".localhost") or _literal_local(host):
            raise WebhookError("Webhook URLs must reach a public host, not this server's network.")
    return url


def _literal_local(host):
    try:
        return _is_local_address(host)
    except ValueError:
        return False  # a name, not an address


def resolves_to_local(url):
    """At delivery time: does the host name now point into a private network?"""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False  # the request itself fails and is retried
    return any(_is_local_address(info[4][0].split("%")[0]) for info in infos)


def parse_events(chosen):
    chosen = list(dict.fromkeys(chosen or EVENTS))
    unknown = [event for event in chosen if event not in EVENTS]
    if unknown:
        raise WebhookError(f"Unknown event: {', '.join(unknown)}. Choose from {', '.join(EVENTS)}.")
    return chosen


def add_endpoint(user, url, events=None):
    """Register an endpoint; its ``secret`` is readable on the returned object this once."""
    if len(endpoints_of(user)) >= MAX_ENDPOINTS:
        raise WebhookError(f"An account can have at most {MAX_ENDPOINTS} webhook endpoints.")
    endpoint = WebhookEndpoint(user=user, url=check_url(url), events=" ".join(parse_events(events)))
    db.session.add(endpoint)
    db.session.flush()
    return endpoint


def endpoints_of(user):
    return db.session.scalars(
        sa.select(WebhookEndpoint).where(WebhookEndpoint.user_id == user.id).order_by(WebhookEndpoint.id)
    ).all()


def endpoint_of(user, endpoint_id):
    """The account's endpoint, or None: another account's endpoint is as absent as a missing one."""
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    return endpoint if endpoint is not None and endpoint.user_id == user.id else None


def delete_endpoint(endpoint):
    db.session.delete(endpoint)
    db.session.flush()


def recent_deliveries(endpoint, limit=50):
    return db.session.scalars(
        sa.select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()


def enqueue(owner_id, event_type, data):
    """Put one event in the outbox of every endpoint of ``owner_id`` that subscribed to it."""
    endpoints = [
        endpoint
        for endpoint in db.session.scalars(sa.select(WebhookEndpoint).where(WebhookEndpoint.user_id == owner_id))
        if endpoint.wants(event_type)
    ]
    if not endpoints:
        return None
    now = utcnow()
    event_id = "evt_" + secrets.token_hex(12)
    body = json.dumps(
        {"id": event_id, "type": event_type, "createdAt": now.isoformat(timespec="seconds") + "Z", "data": data},
        separators=(",", ":"),
    )
    for endpoint in endpoints:
        db.session.add(
            WebhookDelivery(
                endpoint=endpoint, event_id=event_id, event_type=event_type, payload=body, next_attempt_at=now
            )
        )
    db.session.flush()
    return event_id
