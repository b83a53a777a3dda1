"""Placing rooms on a node's media workers, and the node's view of them as one registry.

A room lives wholly on one worker, since all its participants forward to each other. The
entry relays every client WebSocket, so it counts each worker's connections exactly and
places a new room on the worker with the fewest (then the fewest rooms, then the lowest
index). It also keeps the admission facts that must outlive a worker: spent token ids
(a token is single-use whichever worker it reaches) and kicks (a restarted worker has
forgotten them).

To the node (``server.Node``) a pool looks like a ``rooms.Registry``: load, drain state,
assigned rooms, kick and close-room, ``emptied`` and ``close_all``. The processes themselves
are the supervisor's (``supervisor.py``).
"""

import asyncio
import contextlib
from dataclasses import fields

from .config import NodeConfig
from .revocations import Removals, SpentTokens
from .rooms import JoinRefused
from .stats import NodeStats
from .supervisor import Supervisor, WorkerHandle

COUNTERS = ("packets_in", "packets_out", "keyframe_requests", "queue_drops", "joins", "refused_joins")


class WorkerPool:
    def __init__(self, config: NodeConfig, log_level: str = "INFO") -> None:
        self.config = config
        self.supervisor = Supervisor(config, log_level, self._sync_body, self._worker_ended)
        self.workers = self.supervisor.workers
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

    async def start(self) -> None:
        await self.supervisor.start()

    async def close_all(self) -> None:
        await self.supervisor.close_all()

    def _sync_body(self) -> dict:
        return {"draining": self._draining, "assigned_rooms": sorted(self._assigned_rooms)}

    def _worker_ended(self, handle: WorkerHandle) -> None:
        for name in COUNTERS:
            self._retired[name] += handle.status.get(name, 0)
        for room in [r for r, h in self._room_worker.items() if h is handle]:
            del self._room_worker[room]

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
        self.supervisor.background(self.supervisor.sync_all())

    @property
    def assigned_rooms(self) -> set[str]:
        return self._assigned_rooms

    @assigned_rooms.setter
    def assigned_rooms(self, rooms: set[str]) -> None:
        changed = rooms != self._assigned_rooms
        self._assigned_rooms = rooms
        if changed:
            self.supervisor.background(self.supervisor.sync_all())

    async def kick(self, room: str, participant: str, ban: bool = True) -> bool:
        if ban:
            self.removals.prune(self.rooms)
            self.removals.add(room, participant)
        return await self.supervisor.broadcast("/internal/kick", {"room": room, "participant": participant, "ban": ban})

    async def close_room(self, room: str) -> bool:
        return await self.supervisor.broadcast("/internal/close-room", {"room": room})

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
