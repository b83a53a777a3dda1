"""Who is in which meeting right now, with capacity enforced atomically.

One app worker keeps presence in memory; several workers share it through Redis
(``REDIS_URL``). Nothing here is ever written to the database: presence is not history.
Entries carry a ``seen`` time refreshed by the clients, so a crashed worker's participants
fade out instead of keeping a room full forever.
"""

import json
import threading
import time

STALE_AFTER = 90  # seconds without a presence ping


class Presence:
    """In-process presence for a single app worker."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rooms = {}  # room id -> {participant id -> dict}
        self._meetings = {}  # room id -> {"started_at", "peak"}
        self._knocks = {}  # room id -> {participant id -> dict}
        self._admitted = {}  # room id -> set of participant ids

    def _purge(self, room_id, now):
        members = self._rooms.get(room_id, {})
        for pid in [pid for pid, p in members.items() if now - p["seen"] > STALE_AFTER]:
            del members[pid]

    def join(self, room_id, participant, capacity, now=None):
        """Add ``participant`` unless the room is full: (joined, members, meeting_started)."""
        now = now or time.time()
        with self._lock:
            self._purge(room_id, now)
            members = self._rooms.setdefault(room_id, {})
            if participant["id"] not in members and len(members) >= capacity:
                return False, list(members.values()), False
            started = not members
            members[participant["id"]] = dict(participant, seen=now)
            meeting = self._meetings.setdefault(room_id, {"started_at": now, "peak": 0})
            meeting["peak"] = max(meeting["peak"], len(members))
            return True, list(members.values()), started

    def leave(self, room_id, participant_id):
        """Remove a participant: (removed entry or None, ended meeting or None)."""
        with self._lock:
            members = self._rooms.get(room_id, {})
            removed = members.pop(participant_id, None)
            ended = None
            if removed and not members:
                self._rooms.pop(room_id, None)
                ended = self._meetings.pop(room_id, None)
            return removed, ended

    def members(self, room_id, now=None):
        with self._lock:
            self._purge(room_id, now or time.time())
            return list(self._rooms.get(room_id, {}).values())

    def get(self, room_id, participant_id):
        with self._lock:
            return self._rooms.get(room_id, {}).get(participant_id)

    def update(self, room_id, participant_id, **fields):
        with self._lock:
            entry = self._rooms.get(room_id, {}).get(participant_id)
            if entry is not None:
                entry.update(fields, seen=time.time())
            return entry

    def add_knock(self, room_id, knock):
        with self._lock:
            self._knocks.setdefault(room_id, {})[knock["id"]] = knock

    def pop_knock(self, room_id, participant_id):
        with self._lock:
            return self._knocks.get(room_id, {}).pop(participant_id, None)

    def knocks(self, room_id):
        with self._lock:
            return list(self._knocks.get(room_id, {}).values())

    def admit(self, room_id, participant_id):
        with self._lock:
            self._admitted.setdefault(room_id, set()).add(participant_id)

    def is_admitted(self, room_id, participant_id):
        with self._lock:
            return participant_id in self._admitted.get(room_id, set())

    def clear(self):
        with self._lock:
            for store in (self._rooms, self._meetings, self._knocks, self._admitted):
                store.clear()


JOIN_SCRIPT = """
local members, meeting = KEYS[1], KEYS[2]
local pid, entry, capacity, now, stale = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local all = redis.call('HGETALL', members)
for i = 1, #all, 2 do
  local seen = tonumber(cjson.decode(all[i + 1])['seen'])
  if now - seen > stale then redis.call('HDEL', members, all[i]) end
end
local count = redis.call('HLEN', members)
local present = redis.call('HEXISTS', members, pid)
if present == 0 and count >= capacity then return {0, 0} end
local started = 0
if count == 0 then
  started = 1
  redis.call('DEL', meeting)
  redis.call('HSET', meeting, 'started_at', ARGV[4], 'peak', 0)
end
redis.call('HSET', members, pid, entry)
local size = redis.call('HLEN', members)
local peak = tonumber(redis.call('HGET', meeting, 'peak') or '0')
if size > peak then redis.call('HSET', meeting, 'peak', size) end
return {1, started}
"""

LEAVE_SCRIPT = """
local members, meeting, pid = KEYS[1], KEYS[2], ARGV[1]
local entry = redis.call('HGET', members, pid)
if not entry then return {false, false, false} end
redis.call('HDEL', members, pid)
if redis.call('HLEN', members) == 0 then
  local started = redis.call('HGET', meeting, 'started_at')
  local peak = redis.call('HGET', meeting, 'peak')
  redis.call('DEL', meeting)
  return {entry, started, peak}
end
return {entry, false, false}
"""

UPDATE_SCRIPT = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local entry = cjson.decode(raw)
for key, value in pairs(cjson.decode(ARGV[2])) do entry[key] = value end
local encoded = cjson.encode(entry)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
return encoded
"""


class RedisPresence:
    """Presence shared by several app workers through Redis, with the same interface."""

    def __init__(self, url, prefix="parlor"):
        import redis

        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self._join = self.redis.register_script(JOIN_SCRIPT)
        self._update = self.redis.register_script(UPDATE_SCRIPT)
        self._leave = self.redis.register_script(LEAVE_SCRIPT)

    def _key(self, room_id, what):
        return f"{self.prefix}:room:{room_id}:{what}"

    def join(self, room_id, participant, capacity, now=None):
        now = now or time.time()
        entry = json.dumps(dict(participant, seen=now))
        joined, started = self._join(
            keys=[self._key(room_id, "members"), self._key(room_id, "meeting")],
            args=[participant["id"], entry, capacity, now, STALE_AFTER],
        )
        return bool(joined), self.members(room_id, now), bool(started)

    def leave(self, room_id, participant_id):
        entry, started, peak = self._leave(
            keys=[self._key(room_id, "members"), self._key(room_id, "meeting")], args=[participant_id]
        )
        removed = json.loads(entry) if entry else None
        ended = {"started_at": float(started), "peak": int(peak)} if started else None
        return removed, ended

    def members(self, room_id, now=None):
        now = now or time.time()
        raw = self.redis.hgetall(self._key(room_id, "members"))
        return [p for p in map(json.loads, raw.values()) if now - p["seen"] <= STALE_AFTER]

    def get(self, room_id, participant_id):
        raw = self.redis.hget(self._key(room_id, "members"), participant_id)
        return json.loads(raw) if raw else None

    def update(self, room_id, participant_id, **fields):
        fields["seen"] = time.time()
        raw = self._update(keys=[self._key(room_id, "members")], args=[participant_id, json.dumps(fields)])
        return json.loads(raw) if raw else None

    def add_knock(self, room_id, knock):
        key = self._key(room_id, "knocks")
        self.redis.hset(key, knock["id"], json.dumps(knock))
        self.redis.expire(key, 3600)

    def pop_knock(self, room_id, participant_id):
        key = self._key(room_id, "knocks")
        raw = self.redis.hget(key, participant_id)
        self.redis.hdel(key, participant_id)
        return json.loads(raw) if raw else None

    def knocks(self, room_id):
        return [json.loads(v) for v in self.redis.hgetall(self._key(room_id, "knocks")).values()]

    def admit(self, room_id, participant_id):
        key = self._key(room_id, "admitted")
        self.redis.sadd(key, participant_id)
        self.redis.expire(key, 12 * 3600)

    def is_admitted(self, room_id, participant_id):
        return bool(self.redis.sismember(self._key(room_id, "admitted"), participant_id))

    def clear(self):
        keys = list(self.redis.scan_iter(f"{self.prefix}:room:*"))
        if keys:
            self.redis.delete(*keys)


def presence_for(app):
    url = app.config.get("REDIS_URL")
    return RedisPresence(url) if url else Presence()
