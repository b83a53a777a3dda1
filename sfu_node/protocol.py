"""The wire contract between the Parlor app and its SFU nodes.

Pure standard library: the app imports this module too, so it must never pull in
aiortc, aiohttp or Flask.

Two things are defined here:

* **Signed control-plane requests** (node -> app and app -> node). Each request carries
  ``X-Parlor-Node``, ``X-Parlor-Timestamp``, ``X-Parlor-Nonce`` and ``X-Parlor-Signature``;
  the signature is HMAC-SHA256 over method, path, timestamp, nonce and the SHA-256 of the
  body, keyed with the node's own key.
* **Join tokens** the app hands a browser for one room on one node:
  ``base64url(json payload) "." base64url(HMAC-SHA256(node key, payload part))``.

Node keys are derived from the operator's master secret, so one leaked node key does not
let anyone speak for another node: ``node_key = HMAC-SHA256(master, "parlor-node:" + id)``.
"""

import base64
import hashlib
import hmac
import json
import secrets
import time

HEADER_NODE = "X-Parlor-Node"
HEADER_TIMESTAMP = "X-Parlor-Timestamp"
HEADER_NONCE = "X-Parlor-Nonce"
HEADER_SIGNATURE = "X-Parlor-Signature"

MAX_REQUEST_AGE = 300  # seconds; older (or further in the future) requests are refused
TOKEN_LIFETIME = 120  # seconds a join token stays usable

PROTOCOL_VERSION = 1


class InvalidSignature(Exception):
    """A signed request or token failed verification."""


def derive_node_key(master_secret: str, node_id: str) -> str:
    """The per-node key the app and one node share, as hex."""
    mac = hmac.new(master_secret.encode(), f"parlor-node:{node_id}".encode(), hashlib.sha256)
    return mac.hexdigest()


def _string_to_sign(method: str, path: str, timestamp: str, nonce: str, body: bytes) -> bytes:
    body_hash = hashlib.sha256(body or b"").hexdigest()
    return f"{method.upper()}\n{path}\n{timestamp}\n{nonce}\n{body_hash}".encode()


def sign_request(key: str, node_id: str, method: str, path: str, body: bytes = b"", now=None) -> dict:
    """Headers that authenticate one request from (or to) ``node_id``."""
    timestamp = str(int(now if now is not None else time.time()))
    nonce = secrets.token_hex(16)
    mac = hmac.new(key.encode(), _string_to_sign(method, path, timestamp, nonce, body), hashlib.sha256)
    return {
        HEADER_NODE: node_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_NONCE: nonce,
        HEADER_SIGNATURE: mac.hexdigest(),
    }


def verify_request(key: str, method: str, path: str, headers, body: bytes, now=None) -> tuple[str, str]:
    """Check a signed request's signature and age; return ``(node_id, nonce)``.

    Replay protection needs memory, so the caller must also refuse a nonce it has seen
    within ``MAX_REQUEST_AGE``.
    """
    try:
        node_id = headers[HEADER_NODE]
        timestamp = headers[HEADER_TIMESTAMP]
        nonce = headers[HEADER_NONCE]
        signature = headers[HEADER_SIGNATURE]
    except KeyError as missing:
        raise InvalidSignature(f"missing header {missing}") from None
    if not (timestamp.isdigit() and 8 <= len(nonce) <= 64):
        raise InvalidSignature("malformed timestamp or nonce")
    age = (now if now is not None else time.time()) - int(timestamp)
    if abs(age) > MAX_REQUEST_AGE:
        raise InvalidSignature("request too old")
    expected = hmac.new(key.encode(), _string_to_sign(method, path, timestamp, nonce, body), hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), signature):
        raise InvalidSignature("bad signature")
    return node_id, nonce


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_join_token(
    key: str,
    *,
    room: str,
    participant: str,
    name: str,
    node: str,
    role: str = "guest",
    capacity: int = 12,
    lifetime: int = TOKEN_LIFETIME,
    now=None,
) -> str:
    """A token letting one participant into one room on one node for ``lifetime`` seconds."""
    issued = int(now if now is not None else time.time())
    payload = {
        "v": PROTOCOL_VERSION,
        "room": room,
        "participant": participant,
        "name": name,
        "node": node,
        "role": role,
        "capacity": capacity,
        "exp": issued + lifetime,
    }
    body = _b64encode(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    mac = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64encode(mac)}"


def read_join_token(key: str, token: str, *, node: str, now=None) -> dict:
    """Verify a join token for this node and return its payload."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 2048:
        raise InvalidSignature("malformed token")
    body, mac = token.split(".")
    expected = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    try:
        given = _b64decode(mac)
        payload = json.loads(_b64decode(body))
    except (ValueError, UnicodeDecodeError):
        raise InvalidSignature("malformed token") from None
    if not hmac.compare_digest(expected, given):
        raise InvalidSignature("bad token signature")
    if not isinstance(payload, dict) or payload.get("v") != PROTOCOL_VERSION:
        raise InvalidSignature("unknown token version")
    if payload.get("node") != node:
        raise InvalidSignature("token is for another node")
    if not isinstance(payload.get("exp"), int) or payload["exp"] < (now if now is not None else time.time()):
        raise InvalidSignature("token expired")
    for field in ("room", "participant", "name", "role"):
        if not isinstance(payload.get(field), str):
            raise InvalidSignature(f"token lacks {field}")
    return payload
