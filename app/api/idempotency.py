"""``Idempotency-Key`` on POST: the same key with the same body answers as the first time did.

Answers are kept per API key for ``IDEMPOTENCY_DAYS`` (``flask purge`` deletes them after). The
body is compared parsed, so whitespace and key order do not make a request "different".
"""

import hashlib
import json
from datetime import timedelta

import sqlalchemy as sa
from flask import Response

from ..extensions import db
from ..timeutil import utcnow
from .errors import ApiError
from .models import IdempotencyRecord
from .privacy import IDEMPOTENCY_DAYS

HEADER = "Idempotency-Key"
MAX_LENGTH = 255


def key_from(headers):
    key = headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_LENGTH:
        raise ApiError(400, f"{HEADER} must be 1 to {MAX_LENGTH} characters.", HEADER)
    return key


def digest_of(payload):
    return hashlib.sha256(json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def recall(api_key, key):
    """The kept answer for ``key``, or None; an expired one is forgotten here and now."""
    record = db.session.scalar(
        sa.select(IdempotencyRecord).where(IdempotencyRecord.api_key_id == api_key.id, IdempotencyRecord.key == key)
    )
    if record is not None and record.created_at < utcnow() - timedelta(days=IDEMPOTENCY_DAYS):
        db.session.delete(record)
        db.session.flush()
        return None
    return record


def replay(record, digest):
    if record.request_digest != digest:
        raise ApiError(
            409,
            f"This {HEADER} was already used with a different request body.",
            HEADER,
            code="idempotency_key_reused",
        )
    return Response(record.body, record.status, mimetype="application/json", headers={"Idempotent-Replayed": "true"})


def remember(api_key, key, digest, status, body):
    db.session.add(IdempotencyRecord(api_key_id=api_key.id, key=key, request_digest=digest, status=status, body=body))
    db.session.flush()
