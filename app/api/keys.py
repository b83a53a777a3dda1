"""API keys: made, found, used and revoked. We keep an HMAC of each key, never the key itself.

A fast keyed hash is enough here (unlike passwords): keys are 256 random bits, so there is
nothing to guess, and the app secret in the HMAC means a copy of the table alone cannot even
confirm a leaked key. Changing ``API_KEY_SECRET`` (or ``SECRET_KEY`` when it is unset)
invalidates every key.
"""

import hashlib
import hmac
import secrets

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..plans import get_plan
from ..timeutil import utcnow
from .models import ApiKey

PREFIX = "prl_"  # lets secret scanners and people recognise a Parlor key
MAX_KEYS = 20
NAME_LENGTH = 60


class KeyRefused(Exception):
    """A key action that cannot happen; the message is meant for people."""


class ApiNotInPlan(KeyRefused):
    def __init__(self, plan):
        super().__init__(f"The {plan.name} plan does not include the API. Embedded and Business do.")


class TooManyKeys(KeyRefused):
    def __init__(self):
        super().__init__(f"An account holds at most {MAX_KEYS} keys. Revoke one you no longer use.")


def key_digest(key):
    secret = current_app.config.get("API_KEY_SECRET") or current_app.config["SECRET_KEY"]
    return hmac.new(secret.encode(), key.encode(), hashlib.sha256).hexdigest()


def has_api(user):
    return get_plan(user.plan).api


def keys_of(user):
    return db.session.scalars(
        sa.select(ApiKey).where(ApiKey.owner_id == user.id).order_by(ApiKey.created_at, ApiKey.id)
    ).all()


def create_key(user, name):
    """A new key for ``user``: (the stored record, the key itself, which is never available again)."""
    if not has_api(user):
        raise ApiNotInPlan(get_plan(user.plan))
    if len(keys_of(user)) >= MAX_KEYS:
        raise TooManyKeys()
    key = PREFIX + secrets.token_urlsafe(32)
    record = ApiKey(owner=user, name=name.strip()[:NAME_LENGTH], digest=key_digest(key), last4=key[-4:])
    db.session.add(record)
    db.session.flush()
    return record, key


def find_key(presented):
    """The key record for a presented key, or None (unknown, revoked, or not a key at all)."""
    if not isinstance(presented, str) or not presented.startswith(PREFIX) or len(presented) > 100:
        return None
    return db.session.scalar(sa.select(ApiKey).where(ApiKey.digest == key_digest(presented)))


def mark_used(record):
    record.last_used_at = utcnow()


def owned_key(user, key_id):
    record = db.session.get(ApiKey, key_id)
    return record if record is not None and record.owner_id == user.id else None


def revoke_key(record):
    """Revoked keys are deleted: the next request with the key is refused, and its meetings stay."""
    db.session.delete(record)
