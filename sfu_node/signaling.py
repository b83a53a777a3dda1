"""The client WebSocket: join with a token, then answers and ICE candidates.

Every client mistake gets ``{"type": "error", "error": ...}``; nothing a client
sends may raise out of here, so one bad client never disturbs other rooms. Each
message type has a fixed set of fields (``MESSAGE_FIELDS``), checked before any
handler runs, and each connection has caps (``limits.py``): over them the client
gets an error, and after ``max_strikes`` such errors the node hangs up.
"""

import asyncio
import json
import logging

from aiohttp import WSMsgType, web

from . import protocol
from .control import NODE
from .limits import ConnectionLimits, OverLimit
from .participant import NegotiationError, Participant
from .rooms import JoinRefused, room_capacity

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024
# aiohttp closes the socket on frames above its limit; ours sits higher so a
# merely oversized message gets a polite error instead.
TRANSPORT_MESSAGE_LIMIT = 1024 * 1024


MAX_CANDIDATE_CHARS = 1024  # an SDP candidate line is about 100 characters

# Every field a message of each type may carry (besides "type"), with its JSON types.
# Anything else, an id of another room included, is refused before a handler sees it.
MESSAGE_FIELDS = {
    "join": {"token": (str,)},
    "answer": {"sdp": (str,)},
    "candidate": {"candidate": (dict, type(None))},
    "ping": {},
    "leave": {},
}
# RTCIceCandidateInit, as a browser's RTCIceCandidate.toJSON() writes it; only
# "candidate" is required (null or an empty string ends the candidates).
CANDIDATE_FIELDS = {
    "candidate": (str,),
    "sdpMid": (str, type(None)),
    "sdpMLineIndex": (int, type(None)),
    "usernameFragment": (str, type(None)),
}
OPTIONAL_CANDIDATE_FIELDS = frozenset(CANDIDATE_FIELDS) - {"candidate"}


class ClientError(Exception):
    """Something the client sent that deserves an error reply."""


def _check_fields(obj: dict, allowed: dict, what: str, optional=()) -> None:
    for name in obj:
        if name != "type" and name not in allowed:
            raise ClientError(f"{what} has an unexpected field")
    for name, types in allowed.items():
        if name not in obj:
            if name in optional:
                continue
            raise ClientError(f"{what} needs {name}")
        value = obj[name]
        if not isinstance(value, types) or isinstance(value, bool):
            raise ClientError(f"{what} has a {name} of the wrong type")


def parse_message(data) -> dict:
    """Decode one client text frame into a well-formed message dict, or raise.

    Raises OverLimit for a message over the size cap, ClientError for anything else.
    """
    if not isinstance(data, str):
        raise ClientError("only text messages are accepted")
    if len(data) > MAX_MESSAGE_BYTES or len(data.encode("utf-8", "surrogatepass")) > MAX_MESSAGE_BYTES:
        raise OverLimit("message too large")
    try:
        message = json.loads(data)
    except (ValueError, RecursionError):
        raise ClientError("malformed JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ClientError("a message must be a JSON object with a string type")
    allowed = MESSAGE_FIELDS.get(message["type"])
    if allowed is None:
        raise ClientError("unknown message type")
    _check_fields(message, allowed, message["type"])
    if isinstance(message.get("candidate"), dict):
        _check_fields(message["candidate"], CANDIDATE_FIELDS, "candidate", optional=OPTIONAL_CANDIDATE_FIELDS)
        if len(message["candidate"]["candidate"]) > MAX_CANDIDATE_CHARS:
            raise ClientError("candidate too long")
    return message


async def send_error(ws, error: str) -> None:
    if not ws.closed:
        try:
            await ws.send_json({"type": "error", "error": error})
        except (ConnectionError, RuntimeError):
            pass


async def read_join(node, ws) -> tuple[str, dict]:
    """Wait for the join message; return its token and the token's verified payload."""
    try:
        msg = await asyncio.wait_for(ws.receive(), node.config.join_timeout)
    except TimeoutError:
        raise ClientError("join timeout") from None
    if msg.type != WSMsgType.TEXT:
        raise ClientError("expected a join message")
    try:
        message = parse_message(msg.data)
    except OverLimit as exc:
        raise ClientError(str(exc)) from None
    if message["type"] != "join":
        raise ClientError("the first message must be a join with a token")
    try:
        payload = protocol.read_join_token(node.config.node_key, message["token"], node=node.config.node_id)
    except protocol.InvalidSignature as exc:
        raise ClientError(str(exc)) from None
    return message["token"], payload


async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
    node = request.app[NODE]
    ws = web.WebSocketResponse(max_msg_size=TRANSPORT_MESSAGE_LIMIT, heartbeat=20)
    await ws.prepare(request)
    try:
        _, payload = await read_join(node, ws)
        node.registry.admit(payload)
    except (ClientError, JoinRefused) as exc:
        node.stats.refused_joins += 1
        await send_error(ws, str(exc))
        await ws.close()
        return ws
    participant = node.registry.create_participant(payload, ws)
    try:
        await node.registry.join(participant, room_capacity(payload))
        logger.info("%s joined %s", participant.id, participant.room)
        await _serve(participant, ws, ConnectionLimits.from_config(node.config))
    except Exception:
        logger.exception("connection of %s in %s failed", participant.id, participant.room)
    finally:
        await node.registry.leave(participant)
        logger.info("%s left %s", participant.id, participant.room)
    return ws


async def _serve(participant: Participant, ws, limits: ConnectionLimits) -> None:
    async for msg in ws:
        if msg.type == WSMsgType.ERROR or participant.closed:
            break
        try:
            limits.message()
            message = parse_message(msg.data if msg.type == WSMsgType.TEXT else None)
            if message["type"] == "candidate":
                limits.candidate()
            if await handle_message(participant, message) == "leave":
                break
        except OverLimit as exc:
            if limits.strike():
                logger.info("%s in %s over its limits: disconnected", participant.id, participant.room)
                await participant.send({"type": "error", "error": f"{exc}: disconnected"})
                break
            await participant.send({"type": "error", "error": str(exc)})
        except (ClientError, NegotiationError) as exc:
            await participant.send({"type": "error", "error": str(exc)})
        except Exception:
            # A bug in handling one message should cost that message, not the call.
            logger.exception("message from %s in %s failed", participant.id, participant.room)
            await participant.send({"type": "error", "error": "internal error"})


async def handle_message(participant: Participant, message: dict) -> str | None:
    """Act on one message that ``parse_message`` accepted."""
    kind = message["type"]
    if kind == "answer":
        await participant.apply_answer(message["sdp"])
    elif kind == "candidate":
        await participant.add_candidate(message["candidate"])
    elif kind == "ping":
        await participant.send({"type": "pong"})
    elif kind == "leave":
        return "leave"
    else:  # join: parse_message admits no other type
        raise ClientError("already joined")
    return None
