"""A WebSocket participant driving a node subprocess from a test thread, and polling helpers."""

import asyncio
import json
import threading
import time

import aiohttp

from sfu_node import protocol


def wait_for(condition, timeout=10.0, message="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {message}")


class WsClient:
    """A WebSocket participant on its own thread and loop, for driving a node subprocess."""

    def __init__(self, ws_url: str, token: str) -> None:
        self.messages: list[dict] = []
        self.closed = False  # the node hung up
        self._loop = asyncio.new_event_loop()
        self._leave = None
        threading.Thread(
            target=self._loop.run_until_complete,
            args=(self._run(ws_url, token),),
            daemon=True,
        ).start()

    async def _run(self, ws_url, token):
        self._leave = asyncio.Event()
        async with aiohttp.ClientSession() as session, session.ws_connect(ws_url) as ws:
            await ws.send_json({"type": "join", "token": token})
            reader = asyncio.ensure_future(self._read(ws))
            await self._leave.wait()
            reader.cancel()

    async def _read(self, ws):
        async for msg in ws:
            self.messages.append(json.loads(msg.data))
        self.closed = True

    def types(self) -> list[str]:
        return [m["type"] for m in self.messages]

    def leave(self) -> None:
        self._loop.call_soon_threadsafe(self._leave.set)


def join_token(node, room, participant):
    return protocol.make_join_token(
        node.key,
        room=room,
        participant=participant,
        name=participant,
        node=node.node_id,
    )
