"""The wire contract between the Parlor app and its SFU nodes.

Pure standard library: the app imports this module too, so it must never pull in
aiortc, aiohttp or Flask.

Three things are defined here:

* **Signed control-plane requests** (node -> app and app -> node). Each request carries
  ``X-Parlor-Node``, ``X-Parlor-Timestamp``, ``X-Parlor-Nonce`` and ``X-Parlor-Signature``;
  the signature is HMAC-SHA256 over method, path, timestamp, nonce and the SHA-256 of the
  body, keyed with the node's own key.
  Every header must match its pattern below (ASCII only, bounded length).
* **Join tokens** the app hands a browser for one room on one node:
  ``base64url(json payload) "." base64url(HMAC-SHA256(node key, payload part))``.
  Each carries a random ``jti`` and is good for one join: the node remembers the ``jti``.
* **Meeting capacities** both sides enforce.

Node keys are derived from the operator's master secret, so one leaked node key does not
let anyone speak for another node: ``node_key = HMAC-SHA256(master, "parlor-node:" + id)``.
"""

import base64
import hashlib
import hmac
import json
import re
import secrets
import time

HEADER_NODE = "X-Parlor-Node"
HEADER_TIMESTAMP = "X-Parlor-Timestamp"
HEADER_NONCE = "X-Parlor-Nonce"
HEADER_SIGNATURE = "X-Parlor-Signature"

MAX_REQUEST_AGE = 300  # seconds; older (or further in the future) requests are refused
TOKEN_LIFETIME = 120  # seconds a join token stays usable
# A token whose expiry lies further ahead than this was not made by make_join_token's
# defaults on a sane clock; refusing it bounds how long the node must remember jtis and kicks.
MAX_TOKEN_HORIZON = TOKEN_LIFETIME + MAX_REQUEST_AGE

PROTOCOL_VERSION = 1

# Meeting capacities both sides enforce: the app when it admits, the node when it seats.
SMALL_MEETING_LIMIT = 4  # peer-to-peer mesh
LARGE_MEETING_LIMIT = 12  # through a node; no room on a node ever holds more

# What each header may look like. Matched with fullmatch on ASCII-only patterns, because
# str.isdigit() and int() also accept digits such as "²" or "٣" that a signer never sends.
NODE_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
TIMESTAMP_PATTERN = re.compile(r"[0-9]{1,11}")
NONCE_PATTERN = re.compile(r"[A-Za-z0-9_-]{8,64}")
SIGNATURE_PATTERN = re.compile(r"[0-9a-f]{64}")
JTI_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


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


def is_node_id(value) -> bool:
    """Whether ``value`` may name a node (in headers, tokens and configuration)."""
    return isinstance(value, str) and NODE_ID_PATTERN.fullmatch(value) is not None


def _header(headers, name: str, pattern: re.Pattern) -> str:
    value = headers.get(name)
    if value is None:
        raise InvalidSignature(f"missing header {name!r}")
    if not isinstance(value, str) or pattern.fullmatch(value) is None:
        raise InvalidSignature(f"malformed header {name!r}")
    return value


def verify_request(key: str, method: str, path: str, headers, body: bytes, now=None) -> tuple[str, str]:
    """Check a signed request's signature and age; return ``(node_id, nonce)``.

    Replay protection needs memory, so the caller must also refuse a nonce it has seen
    within ``MAX_REQUEST_AGE``. ``headers`` needs only ``.get``; every header must match
    its pattern above, so whatever reaches the caller is short, ASCII and well formed.
    """
    node_id = _header(headers, HEADER_NODE, NODE_ID_PATTERN)
    timestamp = _header(headers, HEADER_TIMESTAMP, TIMESTAMP_PATTERN)
    nonce = _header(headers, HEADER_NONCE, NONCE_PATTERN)
    signature = _header(headers, HEADER_SIGNATURE, SIGNATURE_PATTERN)
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
    capacity: int = LARGE_MEETING_LIMIT,
    lifetime: int = TOKEN_LIFETIME,
    now=None,
) -> str:
    """A single-use token letting one participant into one room on one node for ``lifetime`` seconds.

    Its random ``jti`` is what the node remembers so the token joins only once.
    """
    issued = int(now if now is not None else time.time())
    payload = {
        "v": PROTOCOL_VERSION,
        "jti": secrets.token_urlsafe(16),
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
    """Verify a join token for this node and return its payload.

    Single use is the caller's part: the node must refuse a ``jti`` it has admitted
    before, remembering each until its token's ``exp``.
    """
    if not isinstance(token, str) or len(token) > 2048 or not token.isascii() or token.count(".") != 1:
        raise InvalidSignature("malformed token")
    body, mac = token.split(".")
    expected = hmac.new(key.encode(), body.encode(), hashlib.sha256).digest()
    try:
        given = _b64decode(mac)
    except ValueError:
        raise InvalidSignature("malformed token") from None
    if not hmac.compare_digest(expected, given):
        raise InvalidSignature("bad token signature")
    # Parsed only once authentic: nothing a stranger writes reaches the JSON decoder.
    try:
        payload = json.loads(_b64decode(body))
    except ValueError:
        raise InvalidSignature("malformed token") from None
    if not isinstance(payload, dict) or payload.get("v") != PROTOCOL_VERSION:
        raise InvalidSignature("unknown token version")
    if payload.get("node") != node:
        raise InvalidSignature("token is for another node")
    moment = now if now is not None else time.time()
    exp = payload.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool) or exp < moment:
        raise InvalidSignature("token expired")
    if exp > moment + MAX_TOKEN_HORIZON:
        raise InvalidSignature("token lifetime too long")
    if not isinstance(payload.get("jti"), str) or JTI_PATTERN.fullmatch(payload["jti"]) is None:
        raise InvalidSignature("token lacks jti")
    for field in ("room", "participant", "name", "role"):
        if not isinstance(payload.get(field), str):
            raise InvalidSignature(f"token lacks {field}")
    return payload
