"""Checks for Socket.IO payloads: wrong types, missing fields and huge values are refused."""

import math
import re

from sfu_node.protocol import is_node_id

from ..plans import VIA_NODE, VIA_PEERS

CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
STREAM = re.compile(r"^[{}A-Za-z0-9_-]{1,64}$")  # a browser's MediaStream id (a UUID, with or without braces)
MAX_SDP = 32_000
MAX_CHAT = 2_000
MAX_ASSIGNMENTS = 200  # more people than any meeting holds
# End-to-end encryption material, base64url without padding: an uncompressed P-256 public key
# (65 bytes), a 12-byte IV, and a 32-byte media key sealed with AES-GCM (48 bytes with its tag).
PUBLIC_KEY = re.compile(r"^[A-Za-z0-9_-]{87}$")
IV = re.compile(r"^[A-Za-z0-9_-]{16}$")
SEALED_KEY = re.compile(r"^[A-Za-z0-9_-]{64}$")
MAX_RTT_NODES = 8  # a lobby pings at most a few nodes (placement.MAX_LATENCY_PROBES)
MAX_RTT_MS = 60_000


class Invalid(ValueError):
    """A payload that does not match what the event expects."""


def check_name(value):
    if not isinstance(value, str):
        raise Invalid("Your name must be text.")
    value = value.strip()
    if not 1 <= len(value) <= 50:
        raise Invalid("Use between 1 and 50 characters for your name.")
    if CONTROL.search(value):
        raise Invalid("Your name contains characters we cannot show.")
    return value


def check_id(value):
    if not isinstance(value, str) or not ID.match(value):
        raise Invalid("Unknown participant.")
    return value


def check_stream(value):
    if not isinstance(value, str) or not STREAM.match(value):
        raise Invalid("Unknown stream.")
    return value


def check_sdp(value):
    if not isinstance(value, dict) or value.get("type") not in ("offer", "answer", "rollback", "pranswer"):
        raise Invalid("A session description needs a type.")
    sdp = value.get("sdp", "")
    if not isinstance(sdp, str) or len(sdp) > MAX_SDP:
        raise Invalid("That session description is too large.")
    return {"type": value["type"], "sdp": sdp}


def check_candidate(value):
    if value is None:
        return None  # end of candidates
    if not isinstance(value, dict):
        raise Invalid("An ICE candidate must be an object.")
    candidate = value.get("candidate", "")
    mid = value.get("sdpMid")
    index = value.get("sdpMLineIndex")
    if not isinstance(candidate, str) or len(candidate) > 1024:
        raise Invalid("That ICE candidate is malformed.")
    if mid is not None and (not isinstance(mid, str) or len(mid) > 32):
        raise Invalid("That ICE candidate is malformed.")
    if index is not None and (not isinstance(index, int) or isinstance(index, bool) or not 0 <= index < 64):
        raise Invalid("That ICE candidate is malformed.")
    return {"candidate": candidate, "sdpMid": mid, "sdpMLineIndex": index}


def check_chat(value):
    if not isinstance(value, str):
        raise Invalid("A chat message must be text.")
    value = value.strip()
    if not value:
        raise Invalid("Write something first.")
    if len(value) > MAX_CHAT:
        raise Invalid(f"Chat messages are at most {MAX_CHAT} characters.")
    return value


def check_pattern(pattern, message):
    def check(value):
        if not isinstance(value, str) or not pattern.match(value):
            raise Invalid(message)
        return value

    return check


def check_key_index(value):
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 255:
        raise Invalid("A key index is a number from 0 to 255.")
    return value


def check_reaction(value):
    if not isinstance(value, str) or len(value) > 8:
        raise Invalid("Unknown reaction.")
    return value


def check_bool(value):
    if not isinstance(value, bool):
        raise Invalid("Expected true or false.")
    return value


def check_via(value):
    if value not in (VIA_PEERS, VIA_NODE):
        raise Invalid("Expected peers or node.")
    return value


def check_token(value):
    """A short word such as a service name or a content id; its meaning is checked by its user."""
    if not isinstance(value, str) or not 1 <= len(value) <= 120 or CONTROL.search(value):
        raise Invalid("Expected a short text.")
    return value


def check_number(value):
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value or abs(value) > 1e9:
        raise Invalid("Expected a number.")
    return value


def check_int(value):
    """A small whole number (a count, a group number, minutes)."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1000:
        raise Invalid("Expected a whole number from 0 to 1000.")
    return value


def check_assignments(value):
    """{participant id: group number}, a host's placement of people into breakout groups."""
    if not isinstance(value, dict) or len(value) > MAX_ASSIGNMENTS:
        raise Invalid("Expected a list of people and their groups.")
    return {check_id(pid): check_int(group) for pid, group in value.items()}


def check_rtt(value):
    """The lobby's median round-trip times, {node id: milliseconds}.

    They only ever order nodes, so a malformed report is dropped (the join goes ahead and the
    room is placed by geo-IP) rather than refused; unknown node ids are ignored at placement.
    """
    if not isinstance(value, dict) or len(value) > MAX_RTT_NODES:
        return {}
    result = {}
    for node, ms in value.items():
        if not (isinstance(node, str) and is_node_id(node)):
            continue
        if isinstance(ms, bool) or not isinstance(ms, int | float) or not math.isfinite(ms):
            continue
        if 0 <= ms <= MAX_RTT_MS:
            result[node] = float(ms)
    return result


CHECKS = {
    "name": check_name,
    "id": check_id,
    "sdp": check_sdp,
    "stream": check_stream,
    "candidate": check_candidate,
    "chat": check_chat,
    "public-key": check_pattern(PUBLIC_KEY, "That is not a public key."),
    "iv": check_pattern(IV, "That is not an IV."),
    "sealed-key": check_pattern(SEALED_KEY, "That is not a sealed media key."),
    "key-index": check_key_index,
    "reaction": check_reaction,
    bool: check_bool,
    "token": check_token,
    float: check_number,
    "rtt": check_rtt,
    int: check_int,
    "assignments": check_assignments,
    "via": check_via,
}


def validate(schema, data):
    """``schema`` maps field names (``name?`` when optional) to a check; extra fields are dropped."""
    if not isinstance(data, dict):
        raise Invalid("Expected an object.")
    result = {}
    for key, kind in schema.items():
        optional = key.endswith("?")
        name = key.rstrip("?")
        if name not in data:
            if optional:
                continue
            raise Invalid(f"Missing field: {name}.")
        result[name] = CHECKS[kind](data[name])
    return result
