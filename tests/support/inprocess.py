"""An in-process node (no app client running) with an aiohttp test client."""

import contextlib
import json

from aiohttp.test_utils import TestClient, TestServer

from sfu_node import protocol
from sfu_node.config import NodeConfig
from sfu_node.server import Node

from .fakeapp import MASTER_SECRET

NODE_ID = "node-t"
NODE_KEY = protocol.derive_node_key(MASTER_SECRET, NODE_ID)


def make_config(**overrides) -> NodeConfig:
    values = {
        "app_url": "http://127.0.0.1:9",
        "region": "test",
        "public_url": "http://127.0.0.1:1",
        "listen_host": "127.0.0.1",
        "listen_port": 0,
        "capacity": 50,
        "node_id": NODE_ID,
        "node_key": NODE_KEY,
        "join_timeout": 1.0,
        "negotiation_timeout": 10.0,
    }
    values.update(overrides)
    return NodeConfig(**values)


def token(room="room-1", participant="p1", **overrides) -> str:
    values = {
        "room": room,
        "participant": participant,
        "name": participant.upper(),
        "node": NODE_ID,
    }
    values.update(overrides)
    key = values.pop("key", NODE_KEY)
    return protocol.make_join_token(key, **values)


@contextlib.asynccontextmanager
async def running_node(**overrides):
    node = Node(make_config(**overrides))
    client = TestClient(TestServer(node.build_app()))
    await client.start_server()
    try:
        yield node, client
    finally:
        await node.registry.close_all()
        await client.close()


async def next_json(ws, timeout: float = 5.0, skip=("streams", "offer", "peer-joined")) -> dict:
    """The next message from the node, skipping negotiation chatter unless asked for."""
    while True:
        msg = await ws.receive(timeout)
        if msg.type.name != "TEXT":
            return {"closed": True}
        data = json.loads(msg.data)
        if data.get("type") not in skip:
            return data


async def join(client, **token_args):
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "join", "token": token(**token_args)})
    return ws
