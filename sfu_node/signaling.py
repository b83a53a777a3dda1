"""The client WebSocket: join with a token, then answers and ICE candidates.

Every client mistake gets ``{"type": "error", "error": ...}``; nothing a client
sends may raise out of here, so one bad client never disturbs other rooms.
"""

import asyncio
import json
import logging

from aiohttp import WSMsgType, web

from . import protocol
from .control import NODE
from .participant import NegotiationError, Participant
from .rooms import JoinRefused

logger = logging.getLogger(__name__)

MAX_MESSAGE_BYTES = 64 * 1024
# aiohttp closes the socket on frames above its limit; ours sits higher so a
# merely oversized message gets a polite error instead.
TRANSPORT_MESSAGE_LIMIT = 1024 * 1024


class ClientError(Exception):
    """Something the client sent that deserves an error reply."""


def parse_message(data) -> dict:
    """Decode one client text frame into a message dict, or raise ClientError."""
    if not isinstance(data, str):
        raise ClientError("only text messages are accepted")
    if len(data.encode()) > MAX_MESSAGE_BYTES:
        raise ClientError("message too large")
    try:
        message = json.loads(data)
    except ValueError:
        raise ClientError("malformed JSON") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ClientError("a message must be a JSON object with a string type")
    return message


async def _send_error(ws, error: str) -> None:
    if not ws.closed:
        try:
            await ws.send_json({"type": "error", "error": error})
        except (ConnectionError, RuntimeError):
            pass


async def _read_join(node, ws) -> dict:
    """Wait for the join message and return the verified token payload."""
    try:
        msg = await asyncio.wait_for(ws.receive(), node.config.join_timeout)
    except TimeoutError:
        raise ClientError("join timeout") from None
    if msg.type != WSMsgType.TEXT:
        raise ClientError("expected a join message")
    message = parse_message(msg.data)
    if message["type"] != "join" or not isinstance(message.get("token"), str):
        raise ClientError("the first message must be a join with a token")
    try:
        return protocol.read_join_token(node.config.node_key, message["token"], node=node.config.node_id)
    except protocol.InvalidSignature as exc:
        raise ClientError(str(exc)) from None


async def websocket_handler(request: web.Request) -> web.WebSocketResponse:
    node = request.app[NODE]
    ws = web.WebSocketResponse(max_msg_size=TRANSPORT_MESSAGE_LIMIT, heartbeat=20)
    await ws.prepare(request)
    try:
        payload = await _read_join(node, ws)
        node.registry.check_admission(payload)
    except (ClientError, JoinRefused) as exc:
        node.stats.refused_joins += 1
        await _send_error(ws, str(exc))
        await ws.close()
        return ws
    participant = node.registry.create_participant(payload, ws)
    try:
        await node.registry.join(participant, payload.get("capacity", 12))
        logger.info("%s joined %s", participant.id, participant.room)
        await _serve(participant, ws)
    except Exception:
        logger.exception("connection of %s in %s failed", participant.id, participant.room)
    finally:
        await node.registry.leave(participant)
        logger.info("%s left %s", participant.id, participant.room)
    return ws


async def _serve(participant: Participant, ws) -> None:
    async for msg in ws:
        if msg.type == WSMsgType.ERROR:
            break
        try:
            message = parse_message(msg.data if msg.type == WSMsgType.TEXT else None)
            if await handle_message(participant, message) == "leave":
                break
        except (ClientError, NegotiationError) as exc:
            await participant.send({"type": "error", "error": str(exc)})
        except Exception:
            # A bug in handling one message should cost that message, not the call.
            logger.exception("message from %s in %s failed", participant.id, participant.room)
            await participant.send({"type": "error", "error": "internal error"})


async def handle_message(participant: Participant, message: dict) -> str | None:
    kind = message["type"]
    if kind == "answer":
        if not isinstance(message.get("sdp"), str):
            raise ClientError("answer needs an sdp string")
        await participant.apply_answer(message["sdp"])
    elif kind == "candidate":
        candidate = message.get("candidate")
        if candidate is not None and not isinstance(candidate, dict):
            raise ClientError("candidate must be an object or null")
        await participant.add_candidate(candidate)
    elif kind == "ping":
        await participant.send({"type": "pong"})
    elif kind == "leave":
        return "leave"
    elif kind == "join":
        raise ClientError("already joined")
    else:
        raise ClientError("unknown message type")
    return None
