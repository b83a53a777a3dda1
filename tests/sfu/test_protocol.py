"""The wire contract itself: header shapes, single-use join tokens, shared capacities."""

import json
import time

import pytest

from sfu_node import protocol
from sfu_node.protocol import InvalidSignature, make_join_token, read_join_token, sign_request, verify_request

KEY = "k" * 64
NODE = "node-a"


def signed_headers(**overrides) -> dict:
    headers = sign_request(KEY, NODE, "POST", "/api/nodes/heartbeat", b"{}")
    headers.update(overrides)
    return headers


def verify(headers):
    return verify_request(KEY, "POST", "/api/nodes/heartbeat", headers, b"{}")


def test_signed_request_verifies():
    """Does a request signed by sign_request verify, giving back node id and nonce?"""
    headers = signed_headers()
    assert verify(headers) == (NODE, headers[protocol.HEADER_NONCE])


@pytest.mark.parametrize(
    ("header", "value"),
    [
        (protocol.HEADER_TIMESTAMP, "17²"),  # str.isdigit() says yes, int() says no
        (protocol.HEADER_TIMESTAMP, "١٧٠٠٠٠٠٠٠٠"),  # Arabic-Indic digits: int() says yes
        (protocol.HEADER_TIMESTAMP, "9" * 40),
        (protocol.HEADER_TIMESTAMP, "-1"),
        (protocol.HEADER_TIMESTAMP, " 1700000000"),
        (protocol.HEADER_NONCE, "ñonce-with-accent"),
        (protocol.HEADER_NONCE, "short"),
        (protocol.HEADER_NONCE, "x" * 65),
        (protocol.HEADER_NONCE, "has space in it"),
        (protocol.HEADER_SIGNATURE, "é" * 64),  # compare_digest raises TypeError on non-ASCII str
        (protocol.HEADER_SIGNATURE, "A" * 64),
        (protocol.HEADER_NODE, "node\u00a0a"),
        (protocol.HEADER_NODE, "n" * 65),
        (protocol.HEADER_NODE, ""),
    ],
)
def test_malformed_header_is_an_invalid_signature(header, value):
    """Is a header outside its ASCII pattern refused as InvalidSignature, not some other error?"""
    with pytest.raises(InvalidSignature, match="malformed header"):
        verify(signed_headers(**{header: value}))


def test_missing_header_is_an_invalid_signature():
    """Is a request lacking a header refused as InvalidSignature?"""
    headers = signed_headers()
    del headers[protocol.HEADER_NONCE]
    with pytest.raises(InvalidSignature, match="missing header"):
        verify(headers)


def test_every_join_token_has_its_own_jti():
    """Does make_join_token give each token a fresh random jti that read_join_token returns?"""
    first = read_join_token(KEY, make_join_token(KEY, room="r", participant="p", name="P", node=NODE), node=NODE)
    second = read_join_token(KEY, make_join_token(KEY, room="r", participant="p", name="P", node=NODE), node=NODE)
    assert protocol.JTI_PATTERN.fullmatch(first["jti"])
    assert first["jti"] != second["jti"]


def forge(payload: dict) -> str:
    """A correctly signed token around an arbitrary payload."""
    body = protocol._b64encode(json.dumps(payload).encode())
    mac = protocol.hmac.new(KEY.encode(), body.encode(), protocol.hashlib.sha256).digest()
    return f"{body}.{protocol._b64encode(mac)}"


def valid_payload(**overrides) -> dict:
    payload = {
        "v": protocol.PROTOCOL_VERSION,
        "jti": "j" * 22,
        "room": "r",
        "participant": "p",
        "name": "P",
        "node": NODE,
        "role": "guest",
        "capacity": 4,
        "exp": int(time.time()) + 60,
    }
    payload.update(overrides)
    return payload


def test_forged_payload_helper_reads_back():
    """Does a well-formed signed payload read back (so the refusals below are about one field)?"""
    assert read_join_token(KEY, forge(valid_payload()), node=NODE)["jti"] == "j" * 22


@pytest.mark.parametrize("jti", [None, 7, "", "short", "ü" * 22, "x" * 65])
def test_token_without_a_proper_jti_refused(jti):
    """Is a signed token without a well-formed jti (as older app versions made) refused?"""
    payload = valid_payload(jti=jti)
    if jti is None:
        del payload["jti"]
    with pytest.raises(InvalidSignature, match="jti"):
        read_join_token(KEY, forge(payload), node=NODE)


def test_token_living_past_the_horizon_refused():
    """Is a token whose expiry lies beyond MAX_TOKEN_HORIZON refused (so jtis and kicks can be forgotten)?"""
    payload = valid_payload(exp=int(time.time()) + protocol.MAX_TOKEN_HORIZON + 60)
    with pytest.raises(InvalidSignature, match="lifetime"):
        read_join_token(KEY, forge(payload), node=NODE)


@pytest.mark.parametrize("token", ["a.b\udc80", "é.é", "a." + "=" * 3000, ".".join(["x"] * 3)])
def test_garbage_token_is_malformed(token):
    """Are non-ASCII, oversized or oddly dotted tokens refused as malformed?"""
    with pytest.raises(InvalidSignature, match="malformed token"):
        read_join_token(KEY, token, node=NODE)


def test_capacity_constants_are_the_meeting_sizes():
    """Are the shared capacities the product's meeting sizes (mesh 4, large 12)?"""
    assert (protocol.SMALL_MEETING_LIMIT, protocol.LARGE_MEETING_LIMIT) == (4, 12)
