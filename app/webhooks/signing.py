"""The ``Parlor-Signature`` header: the exact bytes a receiver checks.

``Parlor-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``, where body is
the raw request body. The timestamp is signed so a captured request cannot be replayed later;
receivers refuse a ``t`` older than a few minutes. Pure standard library, so the README's
example and the tests use the same rules the sender does.
"""

import hashlib
import hmac
import time

HEADER = "Parlor-Signature"
EVENT_ID_HEADER = "Parlor-Event-Id"
TOLERANCE_SECONDS = 300


class InvalidSignature(Exception):
    pass


def signature(secret, timestamp, body):
    message = f"{timestamp}.".encode() + (body if isinstance(body, bytes) else body.encode())
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret, body, timestamp=None):
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(secret, header, body, now=None, tolerance=TOLERANCE_SECONDS):
    """Raise ``InvalidSignature`` unless ``header`` signs ``body`` with ``secret``, recently."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        raise InvalidSignature("no timestamp") from None
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        raise InvalidSignature("timestamp too old")
    if not hmac.compare_digest(signature(secret, timestamp, body), parts.get("v1", "")):
        raise InvalidSignature("signature mismatch")
