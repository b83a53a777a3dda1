"""The media worker processes of a node: start them, watch them, restart the dead, stop them all.

Each worker is a ``multiprocessing`` spawn child (``worker.main``) serving on a Unix socket in a
private (0700) directory. Once a second the supervisor tells each worker the node's drain state
and assigned rooms and reads back its status (load and counters); a worker is ``ready`` from its
first answer. The process's sentinel tells the loop at once when a worker ends.
"""

import asyncio
import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
import psutil

from . import worker
from .config import NodeConfig
from .ports import split_port_range

logger = logging.getLogger(__name__)

SYNC_INTERVAL = 1.0  # seconds between status polls of each worker
RESTART_DELAY = 0.5  # doubled for a worker that dies again within CRASH_WINDOW, up to MAX_RESTART_DELAY
CRASH_WINDOW = 10.0
MAX_RESTART_DELAY = 10.0


@dataclass
class WorkerHandle:
    index: int
    udp_ports: tuple[int, int] | None
    socket_path: str
    process: multiprocessing.process.BaseProcess | None = None
    session: aiohttp.ClientSession | None = None
    ready: bool = False
    restarts: int = 0
    started_at: float = 0.0
    status: dict = field(default_factory=dict)
    cpu: float = 0.0
    # Live relayed connections per room: the exact load placement uses.
    connections: dict[str, int] = field(default_factory=dict)
    _ps: psutil.Process | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.exitcode is None

    @property
    def retiring(self) -> bool:
        return self.status.get("retiring") is True

    @property
    def participants(self) -> int:
        return sum(self.connections.values())

    def report(self) -> dict:
        """This worker's load, for heartbeats, /healthz and ``flask nodes list``."""
        if not self.alive:
            state = "restarting"
        elif not self.ready:
            state = "starting"
        else:
            state = self.status.get("state", "serving")
        return {
            "index": self.index,
            "pid": self.pid,
            "state": state,
            "rooms": len(self.connections),
            "participants": self.participants,
            "forwarded_streams": self.status.get("forwarded_streams", 0),
            "cpu": round(self.cpu, 1),
            "restarts": self.restarts,
            "udp_ports": f"{self.udp_ports[0]}-{self.udp_ports[1]}" if self.udp_ports else None,
        }


class Supervisor:
    def __init__(self, config: NodeConfig, log_level: str, sync_body: Callable[[], dict], on_exit) -> None:
        self.config = config
        self.log_level = log_level
        self._sync_body = sync_body  # what each worker is told: the node's drain state, assigned rooms
        self._on_exit = on_exit  # called with a handle whose process ended, before any restart
        self.directory = tempfile.mkdtemp(prefix=f"parlor-{config.node_id}-")  # 0700: only we reach the sockets
        self.workers = [
            WorkerHandle(i, ports, os.path.join(self.directory, f"worker-{i}.sock"))
            for i, ports in enumerate(split_port_range(config.udp_ports, config.workers))
        ]
        self.closing = False
        self._context = multiprocessing.get_context("spawn")
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> None:
        for handle in self.workers:
            self._spawn(handle)
        self.background(self._sync_forever())
        await asyncio.gather(*(self._wait_ready(h) for h in self.workers))

    def background(self, coro) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _spawn(self, handle: WorkerHandle) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(handle.socket_path)
        handle.process = self._context.Process(
            target=worker.main,
            args=(self.config, handle.index, handle.socket_path, handle.udp_ports, self.log_level, os.getpid()),
            name=f"parlor-sfu-worker-{handle.index}",
            daemon=True,
        )
        handle.process.start()
        handle.started_at = time.monotonic()
        handle.ready = False
        handle.status = {}
        handle._ps = psutil.Process(handle.process.pid)
        handle._ps.cpu_percent(None)
        if handle.session is None:
            handle.session = aiohttp.ClientSession(
                connector=aiohttp.UnixConnector(path=handle.socket_path),
                timeout=aiohttp.ClientTimeout(total=5),
            )
        asyncio.get_running_loop().add_reader(handle.process.sentinel, self._exited, handle)
        logger.info(
            "worker %d started (pid %d, UDP %s)", handle.index, handle.pid, handle.report()["udp_ports"] or "any"
        )

    def _exited(self, handle: WorkerHandle) -> None:
        asyncio.get_running_loop().remove_reader(handle.process.sentinel)
        handle.process.join(0)
        handle.ready = False
        self._on_exit(handle)
        handle.status = {}
        if self.closing:
            return
        logger.warning(
            "worker %d (pid %d) exited with %s: restarting", handle.index, handle.pid, handle.process.exitcode
        )
        quick = time.monotonic() - handle.started_at < CRASH_WINDOW
        delay = min(RESTART_DELAY * 2 ** min(handle.restarts, 5), MAX_RESTART_DELAY) if quick else RESTART_DELAY
        self.background(self._restart(handle, delay))

    async def _restart(self, handle: WorkerHandle, delay: float) -> None:
        await asyncio.sleep(delay)
        if self.closing:
            return
        handle.restarts += 1
        self._spawn(handle)
        await self._wait_ready(handle)

    async def _wait_ready(self, handle: WorkerHandle, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while handle.alive and not handle.ready and time.monotonic() < deadline:
            await self._sync(handle)
            if not handle.ready:
                await asyncio.sleep(0.05)

    async def _sync(self, handle: WorkerHandle) -> None:
        """Tell the worker the node's drain state and assigned rooms; read back its status."""
        try:
            async with handle.session.post(
                "http://worker/internal/sync",
                json=self._sync_body(),
            ) as response:
                status = await response.json()
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
            return
        if handle.alive:
            handle.status = status
            handle.ready = True
            with contextlib.suppress(psutil.Error):
                handle.cpu = handle._ps.cpu_percent(None)

    async def _sync_forever(self) -> None:
        while True:
            await self.sync_all()
            await asyncio.sleep(SYNC_INTERVAL)

    async def sync_all(self) -> None:
        await asyncio.gather(*(self._sync(h) for h in self.workers if h.alive))

    async def close_all(self) -> None:
        """Stop every worker (SIGINT: they close their peer connections), SIGKILL after five seconds."""
        self.closing = True
        for task in list(self._tasks):
            task.cancel()
        live = [h for h in self.workers if h.alive]
        for handle in live:
            with contextlib.suppress(ProcessLookupError):
                os.kill(handle.pid, signal.SIGINT)
        deadline = time.monotonic() + 5
        while any(h.alive for h in live) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for handle in live:
            if handle.alive:
                handle.process.kill()
            handle.process.join(1)
        for handle in self.workers:
            if handle.session is not None:
                await handle.session.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    async def broadcast(self, path: str, body: dict) -> bool:
        """POST ``body`` to every live worker; True if any of them answered ``found``."""

        async def one(handle):
            try:
                async with handle.session.post(f"http://worker{path}", json=body) as response:
                    return (await response.json()).get("found") is True
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
                return False

        found = await asyncio.gather(*(one(h) for h in self.workers if h.alive))
        return any(found)
