"""HTTP endpoints for the app (signed control requests), health checks and metrics.

/healthz and /metrics tell whoever asks which rooms live here and how loaded the node
is, so they are never open on the public listener: there they need the metrics token,
and without one they are served only on the separate local listener.
"""

import hmac
import json
import logging
import time

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from . import protocol

logger = logging.getLogger(__name__)

MAX_CONTROL_BODY = 16 * 1024
NODE = web.AppKey("parlor_node", object)
# The bearer token /healthz and /metrics require on one listener; None means open.
METRICS_TOKEN = web.AppKey("parlor_metrics_token", object)


class NonceCache:
    """Nonces seen within MAX_REQUEST_AGE, so a captured request cannot be replayed."""

    def __init__(self, max_age: float = protocol.MAX_REQUEST_AGE, clock=time.time) -> None:
        self._max_age = max_age
        self._clock = clock
        self._seen: dict[str, float] = {}

    def remember(self, nonce: str) -> bool:
        """Record ``nonce``; False if it was already used."""
        now = self._clock()
        if len(self._seen) > 1000:
            # verify_request refuses anything older than max_age (in either
            # direction), so nonces older than twice that can never be replayed.
            self._seen = {n: t for n, t in self._seen.items() if now - t <= 2 * self._max_age}
        if nonce in self._seen:
            return False
        self._seen[nonce] = now
        return True


async def verified_json(request: web.Request) -> dict:
    """The JSON body of a control request signed with this node's key, or an HTTP error."""
    node = request.app[NODE]
    body = await request.content.read(MAX_CONTROL_BODY + 1)
    if len(body) > MAX_CONTROL_BODY:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_CONTROL_BODY, actual_size=len(body))
    try:
        node_id, nonce = protocol.verify_request(
            node.config.node_key, request.method, request.path, request.headers, body
        )
    except protocol.InvalidSignature as exc:
        raise web.HTTPUnauthorized(text=json.dumps({"error": str(exc)}), content_type="application/json") from None
    if node_id != node.config.node_id:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "request is for another node"}),
            content_type="application/json",
        )
    if not node.nonces.remember(nonce):
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "replayed request"}),
            content_type="application/json",
        )
    try:
        data = json.loads(body or b"{}")
    except ValueError:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "malformed JSON"}),
            content_type="application/json",
        ) from None
    if not isinstance(data, dict):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "expected a JSON object"}),
            content_type="application/json",
        )
    return data


def _string_field(data: dict, name: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"{name} is required"}),
            content_type="application/json",
        )
    return value


async def kick(request: web.Request) -> web.Response:
    """Drop a participant from a room; unless ``ban`` is false, bar them for the room's lifetime."""
    data = await verified_json(request)
    room, participant = _string_field(data, "room"), _string_field(data, "participant")
    ban = data.get("ban", True)  # a kick from an app that predates "ban" was always a ban
    if not isinstance(ban, bool):
        raise web.HTTPBadRequest(
            text=json.dumps({"error": "ban must be true or false"}),
            content_type="application/json",
        )
    found = await request.app[NODE].registry.kick(room, participant, ban=ban)
    logger.info("app removed %s from %s (ban=%s, found=%s)", participant, room, ban, found)
    return web.json_response({"ok": True, "found": found})


async def close_room(request: web.Request) -> web.Response:
    data = await verified_json(request)
    room = _string_field(data, "room")
    found = await request.app[NODE].registry.close_room(room)
    logger.info("app closed room %s (found=%s)", room, found)
    return web.json_response({"ok": True, "found": found})


def _require_metrics_token(request: web.Request) -> None:
    token = request.app[METRICS_TOKEN]
    if token is None:
        return
    given = request.headers.get("Authorization", "").encode("utf-8", "surrogateescape")
    if not hmac.compare_digest(given, f"Bearer {token}".encode()):
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": "a metrics bearer token is required"}),
            content_type="application/json",
            headers={"WWW-Authenticate": "Bearer"},
        )


async def healthz(request: web.Request) -> web.Response:
    _require_metrics_token(request)
    node = request.app[NODE]
    return web.json_response(
        {
            "status": "ok",
            "node_id": node.config.node_id,
            "region": node.config.region,
            "state": node.state,
            "registered": node.app_client.registered,
            "rooms": node.registry.room_summary(),
            "assigned_rooms": sorted(node.registry.assigned_rooms),
            "participants": node.registry.participant_count,
            "forwarded_streams": node.registry.forwarded_streams,
            **node.load_details(),
        }
    )


async def metrics(request: web.Request) -> web.Response:
    _require_metrics_token(request)
    body = generate_latest(request.app[NODE].metrics_registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
