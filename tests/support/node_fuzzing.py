"""Hypothesis strategies and a node driven from synchronous property tests.

Each strategy produces payloads that are wrong for one message type (wrong types, missing
or extra fields, huge strings, nested objects, unicode, ids of other rooms), never a valid
message, so every one of them must be answered with an error and change nothing.
"""

import asyncio
import contextlib
import json
import time

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sfu_node import protocol
from sfu_node.signaling import CANDIDATE_FIELDS, MESSAGE_FIELDS
from tests.support.inprocess import NODE_ID, NODE_KEY, next_json, running_node, token

FUZZ = settings(
    max_examples=1000,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Room and participant ids of this node's other rooms, and lookalikes.
OTHER_IDS = ["room-2", "room-1", "bob", "ann", "mallory", "../room-2", "room-2\x00", "ROOM-2", "*"]
# No limits in the way: the fuzz is about what each message does, not how many arrive.
UNLIMITED = {
    "message_rate": 1e9,
    "message_burst": 10**9,
    "max_candidates": 10**9,
    "max_strikes": 10**9,
    "negotiation_timeout": 3600.0,
}

surrogates = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3)
small_texts = st.one_of(st.text(max_size=40), st.sampled_from(OTHER_IDS), surrogates)
# Around the 64 KiB cap, in bytes; one per message at most, so frames stay under the
# transport's 1 MiB limit (above it aiohttp closes the socket, by design).
huge_texts = st.integers(60_000, 90_000).map(lambda n: "é" * (n // 2))
texts = st.one_of(small_texts, huge_texts)
small_leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    small_texts,
)
leaves = st.one_of(small_leaves, huge_texts)
nested = st.recursive(
    small_leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
json_values = st.one_of(nested, huge_texts)


def _types_match(value, types) -> bool:
    return isinstance(value, types) and not isinstance(value, bool)


def wrong_value(types):
    return json_values.filter(lambda v: not _types_match(v, types))


def extra_keys(allowed):
    return st.one_of(st.sampled_from(["room", "participant", "id", "to", "jti"]), st.text(max_size=12)).filter(
        lambda k: k != "type" and k not in allowed
    )


def _valid_fields(kind: str) -> dict:
    valid = {
        "join": {"token": "x"},
        "answer": {"sdp": "v=0"},
        "candidate": {"candidate": None},
        "hidden": {"streams": []},
    }
    return valid.get(kind, {})


@st.composite
def structurally_wrong(draw, kind: str):
    """A message of type ``kind`` with a missing, mistyped or unexpected field."""
    allowed = MESSAGE_FIELDS[kind]
    message = {"type": kind, **_valid_fields(kind)}
    choices = ["extra"] + (["missing", "wrong"] if allowed else [])
    flaw = draw(st.sampled_from(choices))
    if flaw == "extra":
        message[draw(extra_keys(allowed))] = draw(json_values)
    else:
        field = draw(st.sampled_from(sorted(allowed)))
        if flaw == "missing":
            del message[field]
        else:
            message[field] = draw(wrong_value(allowed[field]))
    return message


@st.composite
def bad_candidate_object(draw):
    """A candidate object a browser would never send, or whose line does not parse."""
    flaw = draw(st.sampled_from(["extra", "wrong", "missing", "garbage", "too long"]))
    inner = {"candidate": "candidate:1 1 udp 1 10.0.0.1 9 typ host"}
    if flaw == "extra":
        inner[draw(extra_keys(CANDIDATE_FIELDS))] = draw(json_values)
    elif flaw == "wrong":
        field = draw(st.sampled_from(sorted(CANDIDATE_FIELDS)))
        inner[field] = draw(wrong_value(CANDIDATE_FIELDS[field]))
    elif flaw == "missing":
        del inner["candidate"]
        inner.update(draw(st.fixed_dictionaries({}, optional={"sdpMid": st.text(max_size=3)})))
    elif flaw == "garbage":
        # At most seven fields, or a component that is not a number: never a parseable line.
        words = draw(st.lists(st.text(min_size=1, max_size=12).filter(lambda w: w.split() == [w]), min_size=1))
        if len(words) >= 8:
            words[1] = "x" + words[1]
        inner["candidate"] = draw(st.sampled_from(["", "candidate:"])) + " ".join(words)
    else:
        inner["candidate"] = "candidate:" + "1" * 1100
    return {"type": "candidate", "candidate": inner}


def messages_for(kind: str):
    """Every kind of wrong message of type ``kind``, as the text frame to send."""
    options = [structurally_wrong(kind)]
    if kind == "answer":
        options.append(st.builds(lambda sdp: {"type": "answer", "sdp": sdp}, st.one_of(st.text(), texts)))
    if kind == "candidate":
        options.append(bad_candidate_object())
    if kind == "join":
        # After joining, any join at all is wrong.
        options.append(st.builds(lambda t: {"type": "join", "token": t}, texts))
    return st.one_of(options).map(json.dumps)


raw_frames = st.one_of(
    st.text(max_size=200),
    json_values.filter(lambda v: not isinstance(v, dict)).map(json.dumps),
    st.dictionaries(st.text(max_size=8), json_values, max_size=4)
    .map(lambda d: {**d, "type": d.get("type", 0)})
    .filter(lambda d: not isinstance(d["type"], str) or d["type"] not in MESSAGE_FIELDS)
    .map(json.dumps),
    st.binary(max_size=64),
)


TOKEN_FLAWS = [
    "garbage",
    "other key",
    "other node",
    "expired",
    "horizon",
    "no jti",
    "version",
    "types",
    "spent",
    "kicked",
]


@st.composite
def refused_tokens(draw, spent: str):
    """Join-token values the node must refuse: garbage, or signed yet not admissible here."""
    flaw = draw(st.sampled_from(TOKEN_FLAWS))
    if flaw == "garbage":
        return draw(st.one_of(texts, st.builds(lambda a, b: f"{a}.{b}", st.text(), st.text())))
    if flaw == "spent":
        return spent
    payload = {
        "v": protocol.PROTOCOL_VERSION,
        "jti": draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789-_", min_size=16, max_size=64)),
        "room": draw(st.sampled_from(OTHER_IDS)),
        "participant": draw(st.text(max_size=20)),
        "name": draw(st.text(max_size=20)),
        "node": NODE_ID,
        "role": draw(st.sampled_from(["guest", "host", "admin"])),
        "capacity": draw(leaves),
        "exp": int(time.time()) + 60,
    }
    key = NODE_KEY
    if flaw == "other key":
        key = "0" * 64
    elif flaw == "other node":
        payload["node"] = draw(st.text(max_size=20).filter(lambda n: n != NODE_ID))
    elif flaw == "expired":
        payload["exp"] = int(time.time()) - draw(st.integers(1, 10**6))
    elif flaw == "horizon":
        payload["exp"] = int(time.time()) + protocol.MAX_TOKEN_HORIZON + draw(st.integers(60, 10**9))
    elif flaw == "no jti":
        payload["jti"] = draw(st.one_of(st.none(), st.integers(), st.text(max_size=15)))
    elif flaw == "version":
        payload["v"] = draw(leaves.filter(lambda v: v != protocol.PROTOCOL_VERSION))
    elif flaw == "types":
        payload[draw(st.sampled_from(["room", "participant", "name", "role", "exp"]))] = draw(
            json_values.filter(lambda v: not isinstance(v, str | int))
        )
    elif flaw == "kicked":
        payload.update(room="room-1", participant="mallory")
    return sign(key, payload)


def sign(key: str, payload: dict) -> str:
    """A token signed with ``key`` around any payload (an app bug, or a leaked key)."""
    body = protocol._b64encode(json.dumps(payload).encode())
    mac = protocol.hmac.new(key.encode(), body.encode(), protocol.hashlib.sha256).digest()
    return f"{body}.{protocol._b64encode(mac)}"


def room_state(node) -> tuple:
    """Everything a message could change: seats, spent tokens, kicks, each connection's negotiation."""
    registry = node.registry
    return (
        {name: sorted(room.participants) for name, room in registry.rooms.items()},
        len(registry.spent_tokens),
        sorted(registry.removals.rooms()),
        [
            (
                p.id,
                p.closed,
                len(p._pending_candidates),
                p._answer is not None and p._answer.done(),
                p.pc.signalingState,
                p.pc.remoteDescription is None,
                sorted(p.subscriptions),
            )
            for p in registry.participants()
        ],
    )


class FuzzedNode:
    """One in-process node on a private event loop: ann and bob in room-1, cat in room-2,
    mallory kicked from room-1. Synchronous, so Hypothesis can drive it example by example."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._stack = contextlib.AsyncExitStack()

    def run(self, coro):
        return self.loop.run_until_complete(coro)

    def __enter__(self) -> "FuzzedNode":
        self.run(self._start())
        return self

    def __exit__(self, *exc) -> None:
        self.run(self._stack.aclose())
        self.loop.close()

    async def _start(self) -> None:
        self.node, self.client = await self._stack.enter_async_context(running_node(**UNLIMITED))
        self.spent = token(participant="ann")
        self.ann = await self._join(self.spent)
        self.bob = await self._join(token(participant="bob"))
        self.cat = await self._join(token(room="room-2", participant="cat"))
        await self.node.registry.kick("room-1", "mallory")
        # Let the joins' negotiation chatter arrive, then drop it: from here on, ann's
        # socket carries only the answers to what the fuzz sends.
        for ws in (self.ann, self.bob, self.cat):
            with contextlib.suppress(TimeoutError):
                while True:
                    await ws.receive(0.3)
        # The bystanders' sockets must keep reading, or they miss the node's heartbeat
        # pings and the node hangs up on them mid-fuzz.
        self._readers = [asyncio.ensure_future(self._read_forever(ws)) for ws in (self.bob, self.cat)]
        self._stack.push_async_callback(self._stop_readers)

    @staticmethod
    async def _read_forever(ws) -> None:
        async for _ in ws:
            pass

    def keep_reading(self, ws) -> None:
        """Read ``ws`` in the background, so it answers the node's heartbeat pings."""
        self._readers.append(self.loop.create_task(self._read_forever(ws)))

    async def _stop_readers(self) -> None:
        for reader in self._readers:
            reader.cancel()
        await asyncio.gather(*self._readers, return_exceptions=True)

    async def _join(self, token_text: str):
        ws = await self.client.ws_connect("/ws")
        await ws.send_json({"type": "join", "token": token_text})
        assert (await next_json(ws))["type"] == "joined"
        return ws

    def answer_to(self, frame) -> dict:
        """Send one frame on ann's socket and return the node's reply."""

        async def exchange():
            if isinstance(frame, bytes):
                await self.ann.send_bytes(frame)
            else:
                await self.ann.send_str(frame)
            return await next_json(self.ann, skip=())

        return self.run(exchange())

    def first_message(self, frame: str) -> tuple[dict, dict]:
        """Open a new socket, send ``frame`` first, return the reply and what follows it."""

        async def exchange():
            ws = await self.client.ws_connect("/ws")
            await ws.send_str(frame)
            reply = await next_json(ws, skip=())
            after = await next_json(ws, skip=())
            await ws.close()
            return reply, after

        return self.run(exchange())
