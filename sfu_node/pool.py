"""The entry process's media workers: start them, restart the dead, place rooms, add up their load.

A room lives wholly on one worker, since all its participants forward to each other. The
entry relays every client WebSocket, so it counts each worker's connections exactly and
places a new room on the worker with the fewest (then the fewest rooms, then the lowest
index). It also keeps the admission facts that must outlive a worker: spent token ids
(a token is single-use whichever worker it reaches) and kicks (a restarted worker has
forgotten them).

To the node (``server.Node``) a pool looks like a ``rooms.Registry``: load, drain state,
assigned rooms, kick and close-room, ``emptied`` and ``close_all``.
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
from dataclasses import dataclass, field, fields

import aiohttp
import psutil

from . import worker
from .config import NodeConfig
from .ports import split_port_range
from .revocations import Removals, SpentTokens
from .rooms import JoinRefused
from .stats import NodeStats

logger = logging.getLogger(__name__)

SYNC_INTERVAL = 1.0  # seconds between status polls of each worker
RESTART_DELAY = 0.5  # doubled for a worker that dies again within CRASH_WINDOW, up to MAX_RESTART_DELAY
CRASH_WINDOW = 10.0
MAX_RESTART_DELAY = 10.0
COUNTERS = ("packets_in", "packets_out", "keyframe_requests", "queue_drops", "joins", "refused_joins")


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


class WorkerPool:
    def __init__(self, config: NodeConfig, log_level: str = "INFO") -> None:
        self.config = config
        self.log_level = log_level
        self._dir = tempfile.mkdtemp(prefix=f"parlor-{config.node_id}-")  # 0700: only we reach the sockets
        self.workers = [
            WorkerHandle(i, ports, os.path.join(self._dir, f"worker-{i}.sock"))
            for i, ports in enumerate(split_port_range(config.udp_ports, config.workers))
        ]
        self._draining = False
        self._assigned_rooms: set[str] = set()
        self._room_worker: dict[str, WorkerHandle] = {}
        self._participants: dict[tuple[str, str], int] = {}
        self.spent_tokens = SpentTokens()
        self.removals = Removals()
        self.entry_refused_joins = 0
        self._retired = dict.fromkeys(COUNTERS, 0)  # counters of worker processes that ended
        self.emptied = asyncio.Event()
        self.emptied.set()
        self.closing = False
        self._context = multiprocessing.get_context("spawn")
        self._tasks: set[asyncio.Task] = set()

    # --- processes -------------------------------------------------------------

    async def start(self) -> None:
        for handle in self.workers:
            self._spawn(handle)
        self._background(self._sync_forever())
        await asyncio.gather(*(self._wait_ready(h) for h in self.workers))

    def _background(self, coro) -> None:
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
        for name in COUNTERS:
            self._retired[name] += handle.status.get(name, 0)
        handle.status = {}
        for room in [r for r, h in self._room_worker.items() if h is handle]:
            del self._room_worker[room]
        if self.closing:
            return
        logger.warning(
            "worker %d (pid %d) exited with %s: restarting", handle.index, handle.pid, handle.process.exitcode
        )
        quick = time.monotonic() - handle.started_at < CRASH_WINDOW
        delay = min(RESTART_DELAY * 2 ** min(handle.restarts, 5), MAX_RESTART_DELAY) if quick else RESTART_DELAY
        self._background(self._restart(handle, delay))

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
                json={"draining": self._draining, "assigned_rooms": sorted(self._assigned_rooms)},
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
        shutil.rmtree(self._dir, ignore_errors=True)

    # --- placement -------------------------------------------------------------

    def place(self, payload: dict) -> WorkerHandle:
        """The worker ``payload``'s room lives on (chosen now if new); spends the token.

        Synchronous, like ``Registry.admit``: checking and spending in one step of the loop.
        """
        room, participant = payload["room"], payload["participant"]
        if (room, participant) in self.removals:
            raise JoinRefused("removed from this meeting")
        if payload["jti"] in self.spent_tokens:
            raise JoinRefused("token already used")
        if (room, participant) not in self._participants and self.participant_count >= self.config.capacity:
            raise JoinRefused("node full")
        handle = self._room_worker.get(room)
        if handle is None or not handle.ready or (handle.retiring and not handle.connections.get(room)):
            candidates = [h for h in self.workers if h.ready and not h.retiring]
            if not candidates:
                raise JoinRefused("no media worker ready; try again")
            handle = min(candidates, key=lambda h: (h.participants, len(h.connections), h.index))
            self._room_worker[room] = handle
        self.spent_tokens.spend(payload["jti"], payload["exp"])
        return handle

    @contextlib.contextmanager
    def connection(self, handle: WorkerHandle, payload: dict):
        """Count one relayed connection of ``payload``'s participant on ``handle`` while it lasts."""
        room, key = payload["room"], (payload["room"], payload["participant"])
        handle.connections[room] = handle.connections.get(room, 0) + 1
        self._participants[key] = self._participants.get(key, 0) + 1
        self.emptied.clear()
        try:
            yield
        finally:
            handle.connections[room] -= 1
            if not handle.connections[room]:
                del handle.connections[room]
                if self._room_worker.get(room) is handle:
                    del self._room_worker[room]
            self._participants[key] -= 1
            if not self._participants[key]:
                del self._participants[key]
            if not self._participants:
                self.emptied.set()

    # --- what a Registry offers the node ---------------------------------------

    @property
    def draining(self) -> bool:
        return self._draining

    @draining.setter
    def draining(self, value: bool) -> None:
        self._draining = value
        self._background(self.sync_all())

    @property
    def assigned_rooms(self) -> set[str]:
        return self._assigned_rooms

    @assigned_rooms.setter
    def assigned_rooms(self, rooms: set[str]) -> None:
        changed = rooms != self._assigned_rooms
        self._assigned_rooms = rooms
        if changed:
            self._background(self.sync_all())

    async def _broadcast(self, path: str, body: dict) -> bool:
        async def one(handle):
            try:
                async with handle.session.post(f"http://worker{path}", json=body) as response:
                    return (await response.json()).get("found") is True
            except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
                return False

        found = await asyncio.gather(*(one(h) for h in self.workers if h.alive))
        return any(found)

    async def kick(self, room: str, participant: str, ban: bool = True) -> bool:
        if ban:
            self.removals.prune(self.rooms)
            self.removals.add(room, participant)
        return await self._broadcast("/internal/kick", {"room": room, "participant": participant, "ban": ban})

    async def close_room(self, room: str) -> bool:
        return await self._broadcast("/internal/close-room", {"room": room})

    @property
    def rooms(self) -> dict[str, WorkerHandle]:
        return {room: h for h in self.workers for room in h.connections}

    @property
    def participant_count(self) -> int:
        return len(self._participants)

    @property
    def forwarded_streams(self) -> int:
        return sum(h.status.get("forwarded_streams", 0) for h in self.workers)

    def room_summary(self) -> list[dict]:
        # From the relayed connections, which are exact, rather than the last status poll.
        return [{"name": room, "participants": n} for h in self.workers for room, n in h.connections.items()]

    def _total(self, name: str) -> int:
        return self._retired[name] + sum(h.status.get(name, 0) for h in self.workers)

    def packet_totals(self) -> tuple[int, int]:
        return self._total("packets_in"), self._total("packets_out")

    @property
    def stats(self) -> NodeStats:
        """Every worker's counters, those of ended workers included, plus the entry's refusals."""
        stats = NodeStats(**{f.name: self._total(f.name) for f in fields(NodeStats) if f.name in COUNTERS})
        stats.refused_joins += self.entry_refused_joins
        return stats

    def reports(self) -> list[dict]:
        return [h.report() for h in self.workers]
