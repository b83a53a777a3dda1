"""A stand-in for the Parlor app's node control plane, run on a background thread.

It verifies every node request with protocol.verify_request (and refuses replays),
records what nodes said, hands browsers join tokens for the current node, and
serves the client module plus the test harness page.
"""

import asyncio
import json
import threading

from aiohttp import web

from sfu_node import protocol

from .services import ROOT

MASTER_SECRET = "test-master-secret-for-parlor-sfu-tests"


class FakeApp:
    def __init__(self, heartbeat_interval: float = 0.5, port: int = 0) -> None:
        self.heartbeat_interval = heartbeat_interval
        self.registrations: list[dict] = []
        self.heartbeats: list[dict] = []
        self.rejected: list[str] = []
        self.node_state: dict[str, str] = {}
        self.forget_once: set[str] = set()
        self.current_node: tuple[str, str] | None = None  # (node id, ws url)
        self._nonces: set[str] = set()
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "FakeApp":
        self._thread.start()
        self._ready.wait(10)
        return self

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_post("/api/nodes/register", self._register)
        app.router.add_post("/api/nodes/heartbeat", self._heartbeat)
        app.router.add_get("/token", self._token)
        app.router.add_static("/static/js", ROOT / "app" / "static" / "js")
        app.router.add_static("/harness", ROOT / "tests" / "sfu" / "harness")
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", self.port)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._ready.set()
        await self._stopping.wait()
        await runner.cleanup()

    async def _verified(self, request: web.Request) -> dict:
        body = await request.read()
        node_id = request.headers.get(protocol.HEADER_NODE, "")
        key = protocol.derive_node_key(MASTER_SECRET, node_id)
        try:
            _, nonce = protocol.verify_request(key, request.method, request.path, request.headers, body)
        except protocol.InvalidSignature as exc:
            self.rejected.append(str(exc))
            raise web.HTTPUnauthorized(text=str(exc)) from None
        if nonce in self._nonces:
            self.rejected.append("replay")
            raise web.HTTPUnauthorized(text="replay")
        self._nonces.add(nonce)
        data = json.loads(body)
        if data.get("node_id") != node_id:
            raise web.HTTPBadRequest(text="node id mismatch")
        return data

    async def _register(self, request: web.Request) -> web.Response:
        data = await self._verified(request)
        self.registrations.append(data)
        return web.json_response({"heartbeat_interval": self.heartbeat_interval, "rooms": []})

    async def _heartbeat(self, request: web.Request) -> web.Response:
        data = await self._verified(request)
        if data["node_id"] in self.forget_once:
            self.forget_once.discard(data["node_id"])
            raise web.HTTPNotFound(text="unknown node")
        self.heartbeats.append(data)
        rooms = [room["name"] for room in data["rooms"]]
        return web.json_response({"rooms": rooms, "state": self.node_state.get(data["node_id"], "serving")})

    async def _token(self, request: web.Request) -> web.Response:
        if self.current_node is None:
            raise web.HTTPServiceUnavailable(text="no node")
        node_id, ws_url = self.current_node
        key = protocol.derive_node_key(MASTER_SECRET, node_id)
        participant = request.query["participant"]
        token = protocol.make_join_token(
            key,
            room=request.query["room"],
            participant=participant,
            name=participant.upper(),
            node=node_id,
        )
        return web.json_response({"url": ws_url, "token": token})
