"""Rooms and the registry that owns every participant's peer connection."""

import asyncio
import logging
import time
from dataclasses import dataclass, field

from .config import NodeConfig
from .participant import Participant
from .protocol import LARGE_MEETING_LIMIT
from .revocations import Removals, SpentTokens
from .speakers import SPEECH_LOUDNESS, TICK, SpeakerDetector
from .stats import NodeStats, transport_packets

logger = logging.getLogger(__name__)


class JoinRefused(Exception):
    """A valid token that this node still cannot honour right now."""


def room_capacity(payload: dict) -> int:
    """The token's room capacity, never above a large meeting's limit."""
    capacity = payload.get("capacity", LARGE_MEETING_LIMIT)
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        return LARGE_MEETING_LIMIT
    return min(capacity, LARGE_MEETING_LIMIT)


@dataclass
class Room:
    name: str
    capacity: int
    participants: dict[str, Participant] = field(default_factory=dict)
    speakers: SpeakerDetector = field(default_factory=SpeakerDetector)
    speaker_task: asyncio.Task | None = None

    async def follow_speakers(self) -> None:
        """Tell everyone in the room when the active speaker changes (speakers.py), and each
        publisher whether anyone sees its camera (Participant.review_camera)."""
        while True:
            await asyncio.sleep(TICK)
            members = list(self.participants.values())
            loudness = {p.id: p.published["audio"].level.take() for p in members}
            now = time.monotonic()
            for participant in members:
                if loudness[participant.id] >= SPEECH_LOUDNESS:
                    participant.published["video"].spoke_at = participant.published["screen"].spoke_at = now
                participant.review_camera()
            changed = self.speakers.update(loudness)
            if changed is not None:
                for participant in members:
                    await participant.send({"type": "speaker", "participant": changed})


class Registry:
    """Owns rooms and participants; closing it closes every peer connection."""

    def __init__(self, config: NodeConfig, stats: NodeStats) -> None:
        self.config = config
        self.stats = stats
        self.rooms: dict[str, Room] = {}
        self.draining = False
        # Rooms the app says are placed here; while draining they may still start.
        self.assigned_rooms: set[str] = set()
        self.emptied = asyncio.Event()
        self.emptied.set()
        self.spent_tokens = SpentTokens()
        self.removals = Removals()

    # --- admission -------------------------------------------------------------

    def admit(self, payload: dict) -> None:
        """Raise JoinRefused unless the token's holder may join now; else spend the token.

        Synchronous on purpose: checking and spending the jti in one step of the event
        loop is what keeps two sockets from joining on one token.
        """
        room = self.rooms.get(payload["room"])
        if (payload["room"], payload["participant"]) in self.removals:
            raise JoinRefused("removed from this meeting")
        if payload["jti"] in self.spent_tokens:
            raise JoinRefused("token already used")
        replacing = room is not None and payload["participant"] in room.participants
        if self.draining and room is None and payload["room"] not in self.assigned_rooms:
            raise JoinRefused("node is draining")
        capacity = room_capacity(payload)
        if room is not None and not replacing and len(room.participants) >= capacity:
            raise JoinRefused("room full")
        if not replacing and self.participant_count >= self.config.capacity:
            raise JoinRefused("node full")
        self.spent_tokens.spend(payload["jti"], payload["exp"])

    def create_participant(self, payload: dict, ws) -> Participant:
        return Participant(
            room=payload["room"],
            participant_id=payload["participant"],
            name=payload["name"],
            role=payload["role"],
            ws=ws,
            stats=self.stats,
            ice_servers=self.config.ice.servers(f"{self.config.node_id}-{payload['participant']}"),
            negotiation_timeout=self.config.negotiation_timeout,
            forwarding=self.config.forwarding,
            adaptation=self.config.adaptation,
        )

    async def join(self, participant: Participant, capacity: int) -> None:
        """Seat ``participant``, replacing an older connection of the same id."""
        room = self.rooms.get(participant.room)
        if room is None:
            room = self.rooms[participant.room] = Room(participant.room, capacity)
            room.speaker_task = asyncio.ensure_future(room.follow_speakers())
        old = room.participants.get(participant.id)
        room.participants[participant.id] = participant
        participant.members = room.participants
        participant.on_failed = self.leave
        self.emptied.clear()
        self.stats.joins += 1
        if old is not None:
            await old.close({"type": "error", "error": "replaced by a newer connection"})
        peers = [{"id": p.id, "name": p.name} for p in room.participants.values() if p is not participant]
        await participant.send(
            {
                "type": "joined",
                "participant": participant.id,
                "room": room.name,
                "peers": peers,
            }
        )
        if room.speakers.speaker is not None and room.speakers.speaker in room.participants:
            await participant.send({"type": "speaker", "participant": room.speakers.speaker})
        for other in list(room.participants.values()):
            if other is participant:
                continue
            if old is None:
                await other.send(
                    {
                        "type": "peer-joined",
                        "participant": participant.id,
                        "name": participant.name,
                    }
                )
            other.request_negotiation()
        participant.request_negotiation()

    async def leave(self, participant: Participant, message: dict | None = None) -> None:
        """Remove ``participant`` (if still seated) and renegotiate the rest of its room."""
        room = self.rooms.get(participant.room)
        seated = room is not None and room.participants.get(participant.id) is participant
        if seated:
            del room.participants[participant.id]
        await participant.close(message)
        if not seated:
            return
        for other in list(room.participants.values()):
            await other.send({"type": "peer-left", "participant": participant.id})
            other.request_negotiation()
        # Leaves interleave at the awaits above: only the last one out removes the room.
        if not room.participants and self.rooms.get(room.name) is room:
            del self.rooms[room.name]
            if room.speaker_task is not None:
                room.speaker_task.cancel()
        if not self.rooms:
            self.emptied.set()

    # --- control plane ---------------------------------------------------------

    async def kick(self, room_name: str, participant_id: str, ban: bool = True) -> bool:
        """Drop the participant if connected; with ``ban``, also bar them from the room for as long as it lasts.

        Without ``ban`` (they left, or the app purged them) a later token may seat them again.
        """
        if ban:
            self.removals.prune(self.rooms)
            self.removals.add(room_name, participant_id)
        room = self.rooms.get(room_name)
        participant = room.participants.get(participant_id) if room else None
        if participant is None:
            return False
        await self.leave(participant, {"type": "kicked" if ban else "removed"})
        return True

    async def close_room(self, room_name: str) -> bool:
        room = self.rooms.get(room_name)
        if room is None:
            return False
        for participant in list(room.participants.values()):
            await self.leave(participant, {"type": "room-closed"})
        return True

    async def close_all(self) -> None:
        for room in list(self.rooms.values()):
            for participant in list(room.participants.values()):
                await self.leave(participant, {"type": "error", "error": "node shutting down"})

    # --- load ------------------------------------------------------------------

    def participants(self):
        for room in self.rooms.values():
            yield from room.participants.values()

    @property
    def participant_count(self) -> int:
        return sum(len(room.participants) for room in self.rooms.values())

    @property
    def forwarded_streams(self) -> int:
        return sum(p.forwarded_streams for p in self.participants())

    def room_summary(self) -> list[dict]:
        return [{"name": r.name, "participants": len(r.participants)} for r in self.rooms.values()]

    def packet_totals(self) -> tuple[int, int]:
        packets_in, packets_out = (
            self.stats.closed_packets_in,
            self.stats.closed_packets_out,
        )
        for participant in self.participants():
            received, sent = transport_packets(participant.pc)
            packets_in += received
            packets_out += sent
        return packets_in, packets_out
