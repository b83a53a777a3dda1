"""One media worker of a node started with ``--workers N``: a process owning whole rooms.

The entry process (``entry.py``) keeps the public listener and relays each client's
signaling WebSocket to the worker holding its room, over this worker's Unix socket; the
media itself flows between the browser and this process over UDP. The Unix socket sits
in a directory only the node's user can open, so its unsigned internal endpoints
(``/internal/...``) are reachable by the entry process alone.

SIGTERM drains just this worker (no new rooms, exit once empty; the entry process then
starts a fresh one), SIGINT stops it at once, and it dies with its entry process.
"""

import asyncio
import ctypes
import json
import logging
import os
import signal

from aiohttp import web

from . import control, ports, signaling
from .config import NodeConfig
from .control import NonceCache
from .rooms import Registry
from .stats import NodeStats

logger = logging.getLogger(__name__)

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


class Worker:
    """The same registry and WebSocket handler as a single-process node, minus the app client."""

    def __init__(self, config: NodeConfig, index: int, socket_path: str) -> None:
        self.config = config
        self.index = index
        self.socket_path = socket_path
        self.stats = NodeStats()
        self.registry = Registry(config, self.stats)
        self.nonces = NonceCache()
        # Draining this worker alone (SIGTERM to it) is final; the node's drain follows the entry.
        self.retiring = False
        self._stop = asyncio.Event()

    @property
    def state(self) -> str:
        return "draining" if self.registry.draining else "serving"

    def apply_sync(self, data: dict) -> None:
        """The node's drain state and the rooms the app assigned to it, from the entry process."""
        if self.retiring:
            return
        self.registry.draining = data.get("draining") is True
        rooms = data.get("assigned_rooms")
        if isinstance(rooms, list):
            self.registry.assigned_rooms = {r for r in rooms if isinstance(r, str)}

    def status(self) -> dict:
        packets_in, packets_out = self.registry.packet_totals()
        return {
            "index": self.index,
            "pid": os.getpid(),
            "state": self.state,
            "retiring": self.retiring,
            "rooms": self.registry.room_summary(),
            "participants": self.registry.participant_count,
            "forwarded_streams": self.registry.forwarded_streams,
            "packets_in": packets_in,
            "packets_out": packets_out,
            "keyframe_requests": self.stats.keyframe_requests,
            "queue_drops": self.stats.queue_drops,
            "joins": self.stats.joins,
            "refused_joins": self.stats.refused_joins,
        }

    def retire(self) -> None:
        if self.retiring:
            logger.info("second SIGTERM: stopping now")
            self._stop.set()
            return
        logger.info("SIGTERM: draining this worker, exiting when empty or after %.0fs", self.config.drain_grace)
        self.retiring = True
        self.registry.draining = True
        # Even rooms the app assigned to the node go to another worker from now on.
        self.registry.assigned_rooms = set()
        asyncio.ensure_future(self._exit_when_empty())

    async def _exit_when_empty(self) -> None:
        try:
            await asyncio.wait_for(self.registry.emptied.wait(), self.config.drain_grace)
        except TimeoutError:
            logger.info("drain grace over with %d participants left", self.registry.participant_count)
        self._stop.set()

    def build_app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024)
        app[control.NODE] = self
        app.router.add_get("/ws", signaling.websocket_handler)
        app.router.add_post("/internal/sync", _sync)
        app.router.add_post("/internal/kick", _kick)
        app.router.add_post("/internal/close-room", _close_room)
        return app

    async def _watch_parent(self, parent: int) -> None:
        # PR_SET_PDEATHSIG covers Linux; this covers the rest, and a parent gone before prctl.
        while os.getppid() == parent:
            await asyncio.sleep(1)
        logger.warning("entry process gone: stopping")
        self._stop.set()

    async def run(self, parent: int) -> None:
        runner = web.AppRunner(self.build_app(), handle_signals=False, access_log=None)
        await runner.setup()
        await web.UnixSite(runner, self.socket_path).start()
        logger.info("worker %d (pid %d) serving on %s", self.index, os.getpid(), self.socket_path)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.retire)
        loop.add_signal_handler(signal.SIGINT, self._stop.set)
        watcher = asyncio.create_task(self._watch_parent(parent))
        try:
            await self._stop.wait()
        finally:
            watcher.cancel()
            await self.registry.close_all()
            await runner.cleanup()
            logger.info("worker %d stopped", self.index)


async def _body(request: web.Request) -> dict:
    data = json.loads(await request.read() or b"{}")
    return data if isinstance(data, dict) else {}


async def _sync(request: web.Request) -> web.Response:
    worker = request.app[control.NODE]
    worker.apply_sync(await _body(request))
    return web.json_response(worker.status())


async def _kick(request: web.Request) -> web.Response:
    data = await _body(request)
    found = await request.app[control.NODE].registry.kick(
        str(data.get("room")), str(data.get("participant")), ban=data.get("ban") is not False
    )
    return web.json_response({"found": found})


async def _close_room(request: web.Request) -> web.Response:
    data = await _body(request)
    return web.json_response({"found": await request.app[control.NODE].registry.close_room(str(data.get("room")))})


def _die_with_parent() -> None:
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: _watch_parent notices within a second


def main(config: NodeConfig, index: int, socket_path: str, udp_ports, log_level: str, parent: int) -> None:
    """Process entry point (``multiprocessing`` spawn target)."""
    _die_with_parent()
    logging.basicConfig(
        level=log_level,
        format=f"%(asctime)s %(levelname)s worker-{index} %(name)s: %(message)s",
    )
    for noisy in ("aiortc", "aioice"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(log_level)))
    if os.getppid() != parent:
        return
    ports.run(Worker(config, index, socket_path).run(parent), udp_ports)
