"""Who is in which meeting right now, with capacity enforced atomically.

One app worker keeps presence in memory; several workers share it through Redis
(``REDIS_URL``, see ``presence_redis.py``). Nothing here is ever written to the database:
presence is not history. Entries carry a ``seen`` time refreshed by the clients, so a crashed
worker's participants fade out instead of keeping a room full forever.

Besides the members of a meeting, presence holds five per-meeting facts, all forgotten when
the meeting ends: which socket speaks for each participant id (one at a time), who knocks,
who a host admitted, who a host removed, whom a host made co-host, (``modes.py``) which way
its media travels now, and (``breakout.py``) its breakout groups.
"""

import threading
import time
from dataclasses import dataclass, field

STALE_AFTER = 90  # seconds without a presence ping


@dataclass
class JoinOutcome:
    joined: bool
    members: list
    started: bool = False
    stale: list = field(default_factory=list)  # entries purged on the way: announce them gone


@dataclass
class Meeting:
    started_at: float
    peak: int = 0
    admitted: set = field(default_factory=set)
    kicked: set = field(default_factory=set)
    cohosts: set = field(default_factory=set)
    transport: dict = field(default_factory=dict)
    breakout: dict = field(default_factory=dict)


class Presence:
    """In-process presence for a single app worker."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rooms = {}  # room id -> {participant id -> entry}
        self._meetings = {}  # room id -> Meeting
        self._knocks = {}  # room id -> {participant id -> knock}
        self._sockets = {}  # room id -> {participant id -> sid}
        self._pending = {}  # room id -> Meeting facts gathered before anyone joined (knocks answered early)
        self._notices = {}  # notice key -> time it may be sent again

    # -- sockets: one live socket per participant id
    def claim_socket(self, room_id, participant_id, sid):
        """Make ``sid`` the participant's socket; return the socket it replaces, if any."""
        with self._lock:
            sockets = self._sockets.setdefault(room_id, {})
            previous = sockets.get(participant_id)
            sockets[participant_id] = sid
            return previous if previous != sid else None

    def release_socket(self, room_id, participant_id, sid):
        with self._lock:
            sockets = self._sockets.get(room_id, {})
            if sockets.get(participant_id) == sid:
                del sockets[participant_id]
                return True
            return False

    def socket_of(self, room_id, participant_id):
        with self._lock:
            return self._sockets.get(room_id, {}).get(participant_id)

    # -- members
    def _purge(self, room_id, now):
        members = self._rooms.get(room_id, {})
        stale = [pid for pid, p in members.items() if now - p["seen"] > STALE_AFTER]
        return [members.pop(pid) for pid in stale]

    def join(self, room_id, participant, capacity, now=None):
        """Add ``participant`` unless the room is full."""
        now = now or time.time()
        with self._lock:
            stale = self._purge(room_id, now)
            members = self._rooms.setdefault(room_id, {})
            if participant["id"] not in members and len(members) >= capacity:
                return JoinOutcome(False, list(members.values()), stale=stale)
            started = not members
            members[participant["id"]] = dict(participant, seen=now)
            meeting = self._meeting(room_id, now)
            if started:
                meeting.transport = {}  # a meeting that ended by purge must not lend its transport
                meeting.breakout = {}  # nor its breakout groups
            meeting.peak = max(meeting.peak, len(members))
            return JoinOutcome(True, list(members.values()), started, stale)

    def restore(self, room_id, participant, now=None):
        """Put back a member a worker still holds (``recovery.py``); never starts a meeting twice."""
        now = now or time.time()
        with self._lock:
            self._rooms.setdefault(room_id, {})[participant["id"]] = dict(participant, seen=now)
            self._meeting(room_id, now)

    # One process cannot forget its own presence: the epoch never changes.
    def epoch(self):
        return "memory"

    def start_epoch(self, value):
        return "memory"

    def _meeting(self, room_id, now):
        if room_id not in self._meetings:
            self._meetings[room_id] = self._pending.pop(room_id, None) or Meeting(started_at=now)
            self._meetings[room_id].started_at = now
        return self._meetings[room_id]

    def leave(self, room_id, participant_id, sid=None):
        """Remove a participant (only if ``sid`` still speaks for them): (entry or None, ended or None)."""
        with self._lock:
            members = self._rooms.get(room_id, {})
            entry = members.get(participant_id)
            if entry is None or (sid is not None and entry.get("sid") != sid):
                return None, None
            del members[participant_id]
            return entry, self._end_if_empty(room_id)

    def purge_stale(self, room_id, now=None):
        """Drop entries whose pings stopped: (removed entries, ended meeting or None)."""
        with self._lock:
            removed = self._purge(room_id, now or time.time())
            return removed, (self._end_if_empty(room_id) if removed else None)

    def _end_if_empty(self, room_id):
        if self._rooms.get(room_id):
            return None
        self._rooms.pop(room_id, None)
        meeting = self._meetings.pop(room_id, None)
        return {"started_at": meeting.started_at, "peak": meeting.peak} if meeting else None

    def members(self, room_id, now=None):
        now = now or time.time()
        with self._lock:
            return [p for p in self._rooms.get(room_id, {}).values() if now - p["seen"] <= STALE_AFTER]

    def occupancy(self, now=None):
        """{room id: people in its meeting now}, for the staff console: counts, never who."""
        now = now or time.time()
        with self._lock:
            counts = {
                room_id: sum(1 for p in members.values() if now - p["seen"] <= STALE_AFTER)
                for room_id, members in self._rooms.items()
            }
        return {room_id: n for room_id, n in counts.items() if n}

    def get(self, room_id, participant_id):
        with self._lock:
            entry = self._rooms.get(room_id, {}).get(participant_id)
            return dict(entry) if entry else None

    def update(self, room_id, participant_id, **fields):
        with self._lock:
            entry = self._rooms.get(room_id, {}).get(participant_id)
            if entry is not None:
                entry.update(fields, seen=time.time())
                return dict(entry)
            return None

    # -- the meeting's transport (auto rooms)
    def transport(self, room_id):
        """The meeting's transport facts ({} for a meeting that never moved, or none at all)."""
        with self._lock:
            meeting = self._meetings.get(room_id)
            return dict(meeting.transport) if meeting else {}

    def set_transport(self, room_id, expected_via, state, default_via):
        """Replace the transport facts if the meeting still travels ``expected_via``.

        Compare-and-set, so of two workers deciding the same move only one announces it.
        """
        with self._lock:
            meeting = self._meetings.get(room_id)
            if meeting is None or meeting.transport.get("via", default_via) != expected_via:
                return False
            meeting.transport = dict(state)
            return True

    # -- breakout groups (``breakout.py``): the meeting's groups; who is in which is on each entry
    def breakout(self, room_id):
        with self._lock:
            meeting = self._meetings.get(room_id)
            return dict(meeting.breakout) if meeting else {}

    def set_breakout(self, room_id, state):
        """Replace the groups' state ({} when closed), only while the meeting exists."""
        with self._lock:
            meeting = self._meetings.get(room_id)
            if meeting is None:
                return False
            meeting.breakout = dict(state)
            return True

    # -- knocking, admission and removal (per meeting)
    def add_knock(self, room_id, knock):
        with self._lock:
            self._knocks.setdefault(room_id, {})[knock["id"]] = knock

    def pop_knock(self, room_id, participant_id):
        with self._lock:
            return self._knocks.get(room_id, {}).pop(participant_id, None)

    def knocks(self, room_id):
        with self._lock:
            return list(self._knocks.get(room_id, {}).values())

    def _facts(self, room_id, create=False):
        if room_id in self._meetings:
            return self._meetings[room_id]
        if create:
            return self._pending.setdefault(room_id, Meeting(started_at=0))
        return self._pending.get(room_id) or Meeting(started_at=0)

    def admit(self, room_id, participant_id):
        with self._lock:
            self._facts(room_id, create=True).admitted.add(participant_id)

    def is_admitted(self, room_id, participant_id):
        with self._lock:
            return participant_id in self._facts(room_id).admitted

    def kick(self, room_id, marks):
        """Remember ``marks`` (participant, visitor and account ids) as removed for this meeting."""
        with self._lock:
            facts = self._facts(room_id, create=True)
            facts.kicked.update(marks)
            facts.admitted.difference_update(m[2:] for m in marks if m.startswith("p:"))

    def is_kicked(self, room_id, marks):
        with self._lock:
            return bool(self._facts(room_id).kicked & set(marks))

    def add_cohost(self, room_id, participant_id):
        with self._lock:
            self._facts(room_id, create=True).cohosts.add(participant_id)

    def remove_cohost(self, room_id, participant_id):
        with self._lock:
            self._facts(room_id).cohosts.discard(participant_id)

    def is_cohost(self, room_id, participant_id):
        with self._lock:
            return participant_id in self._facts(room_id).cohosts

    def claim_notice(self, key, interval, now=None):
        """True for the first caller per ``interval`` seconds: who sends a throttled notice."""
        now = now or time.time()
        with self._lock:
            if self._notices.get(key, 0) > now:
                return False
            self._notices[key] = now + interval
            return True

    def clear(self):
        with self._lock:
            for store in (self._rooms, self._meetings, self._knocks, self._sockets, self._pending, self._notices):
                store.clear()
