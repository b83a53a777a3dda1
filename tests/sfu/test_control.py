"""Signed control requests from the app: kick, close-room, and what is refused."""

import asyncio
import json
import time

from aiohttp.test_utils import TestClient, TestServer

from sfu_node import protocol
from sfu_node.control import NonceCache

from ..support.inprocess import NODE_ID, NODE_KEY, join, next_json, running_node


def signed(path: str, payload: dict, key: str = NODE_KEY, node_id: str = NODE_ID, now=None):
    body = json.dumps(payload).encode()
    headers = protocol.sign_request(key, node_id, "POST", path, body, now=now)
    return body, headers


async def post(client, path, payload, **sign_args):
    body, headers = signed(path, payload, **sign_args)
    response = await client.post(path, data=body, headers=headers)
    return response.status, await response.json(content_type=None)


def test_kick_closes_participant_and_tells_room():
    """Does a signed kick send the participant 'kicked' and the others 'peer-left'?"""

    async def scenario():
        async with running_node() as (node, client):
            ann = await join(client, participant="ann")
            await next_json(ann)
            bob = await join(client, participant="bob")
            await next_json(bob)
            await next_json(ann, skip=("streams", "offer"))  # peer-joined
            status, reply = await post(client, "/control/kick", {"room": "room-1", "participant": "bob"})
            return (
                status,
                reply,
                await next_json(bob),
                await next_json(ann),
                node.registry.participant_count,
            )

    status, reply, bob_saw, ann_saw, count = asyncio.run(scenario())
    assert (status, reply) == (200, {"ok": True, "found": True})
    assert bob_saw == {"type": "kicked"}
    assert ann_saw == {"type": "peer-left", "participant": "bob"}
    assert count == 1


def test_close_room_ends_every_connection():
    """Does a signed close-room disconnect everyone in that room?"""

    async def scenario():
        async with running_node() as (node, client):
            ann = await join(client, participant="ann")
            await next_json(ann)
            status, _ = await post(client, "/control/close-room", {"room": "room-1"})
            return (
                status,
                await next_json(ann),
                await next_json(ann),
                node.registry.rooms,
            )

    status, message, closed, rooms = asyncio.run(scenario())
    assert status == 200
    assert message == {"type": "room-closed"}
    assert closed == {"closed": True}
    assert rooms == {}


def test_stale_request_refused():
    """Is a request signed ten minutes ago refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            return await post(
                client,
                "/control/kick",
                {"room": "r", "participant": "p"},
                now=time.time() - 600,
            )

    assert asyncio.run(scenario()) == (401, {"error": "request too old"})


def test_replayed_request_refused():
    """Is the exact same signed request refused the second time?"""

    async def scenario():
        async with running_node() as (_node, client):
            body, headers = signed("/control/kick", {"room": "r", "participant": "p"})
            first = await client.post("/control/kick", data=body, headers=headers)
            second = await client.post("/control/kick", data=body, headers=headers)
            return first.status, second.status, await second.json()

    assert asyncio.run(scenario()) == (200, 401, {"error": "replayed request"})


def test_bad_signature_refused():
    """Is a request signed with another key refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            return await post(client, "/control/kick", {"room": "r", "participant": "p"}, key="0" * 64)

    assert asyncio.run(scenario()) == (401, {"error": "bad signature"})


def test_request_for_other_node_refused():
    """Is a correctly keyed request naming another node id refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            return await post(
                client,
                "/control/kick",
                {"room": "r", "participant": "p"},
                node_id="node-x",
            )

    assert asyncio.run(scenario()) == (401, {"error": "request is for another node"})


def test_unsigned_request_refused():
    """Is a request without signature headers refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            response = await client.post("/control/close-room", json={"room": "r"})
            return response.status

    assert asyncio.run(scenario()) == 401


def test_tampered_body_refused():
    """Is a signed request whose body was changed in transit refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            _, headers = signed("/control/kick", {"room": "r", "participant": "p"})
            response = await client.post(
                "/control/kick",
                data=b'{"room": "r", "participant": "q"}',
                headers=headers,
            )
            return response.status

    assert asyncio.run(scenario()) == 401


def test_nonce_cache_forgets_only_after_max_age():
    """Does the nonce cache refuse a repeat, and prune only entries older than twice the max age?"""
    now = [1000.0]
    cache = NonceCache(max_age=10, clock=lambda: now[0])
    assert cache.remember("n1") is True
    assert cache.remember("n1") is False
    for i in range(1001):
        cache.remember(f"filler{i}")
    now[0] += 15
    cache.remember("trigger")
    assert cache.remember("n1") is False
    now[0] += 10
    cache.remember("trigger2")
    assert cache.remember("n1") is True


def test_healthz_and_metrics():
    """Do /healthz and /metrics on the local listener describe the node's state and load?"""

    async def scenario():
        async with running_node() as (node, client):
            ws = await join(client, participant="ann")
            await next_json(ws)
            local = TestClient(TestServer(node.build_metrics_app()))
            await local.start_server()
            try:
                health = await (await local.get("/healthz")).json()
                metrics = await (await local.get("/metrics")).text()
            finally:
                await local.close()
            return health, metrics

    health, metrics = asyncio.run(scenario())
    assert health["state"] == "serving"
    assert health["participants"] == 1
    assert health["rooms"] == [{"name": "room-1", "participants": 1}]
    assert "parlor_sfu_participants 1.0" in metrics
    for name in (
        "rooms",
        "forwarded_streams",
        "packets_in_total",
        "packets_out_total",
        "keyframe_requests_total",
        "queue_drops_total",
    ):
        assert f"parlor_sfu_{name}" in metrics
