"""Presence shared by several app workers through Redis, with the interface of ``Presence``.

Every rule that reads and then writes runs as one Lua script, so two workers can never both
take the last place, both keep one participant id, or both end a meeting.
"""

import json
import time

import redis

from .presence import STALE_AFTER, JoinOutcome

MEETING_FACTS_TTL = 12 * 3600  # a forgotten meeting's keys do not outlive a working day

# Drops stale members; when that empties the room, ends the meeting. Shared by join and purge.
PURGE = """
local function purge(members, now, stale)
  local removed = {}
  local all = redis.call('HGETALL', members)
  for i = 1, #all, 2 do
    if now - tonumber(cjson.decode(all[i + 1])['seen']) > stale then
      redis.call('HDEL', members, all[i])
      table.insert(removed, all[i + 1])
    end
  end
  return removed
end
local function end_if_empty(members, meeting, admitted, kicked, cohosts)
  if redis.call('HLEN', members) > 0 then return false end
  local started = redis.call('HGET', meeting, 'started_at')
  if not started then return false end
  local peak = redis.call('HGET', meeting, 'peak')
  redis.call('DEL', meeting, admitted, kicked, cohosts)
  return cjson.encode({started_at = tonumber(started), peak = tonumber(peak)})
end
"""

JOIN_SCRIPT = (
    PURGE
    + """
local members, meeting = KEYS[1], KEYS[2]
local pid, entry, capacity, now = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local removed = purge(members, now, tonumber(ARGV[5]))
local count = redis.call('HLEN', members)
if redis.call('HEXISTS', members, pid) == 0 and count >= capacity then return {0, 0, removed} end
local started = 0
if count == 0 then
  started = 1
  redis.call('HDEL', meeting, 'transport', 'breakout')
  redis.call('HSET', meeting, 'started_at', ARGV[4], 'peak', 0)
end
redis.call('HSET', members, pid, entry)
local size = redis.call('HLEN', members)
if size > tonumber(redis.call('HGET', meeting, 'peak') or '0') then redis.call('HSET', meeting, 'peak', size) end
return {1, started, removed}
"""
)

LEAVE_SCRIPT = (
    PURGE
    + """
local entry = redis.call('HGET', KEYS[1], ARGV[1])
if not entry then return {false, false} end
if ARGV[2] ~= '' and cjson.decode(entry)['sid'] ~= ARGV[2] then return {false, false} end
redis.call('HDEL', KEYS[1], ARGV[1])
return {entry, end_if_empty(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])}
"""
)

PURGE_SCRIPT = (
    PURGE
    + """
local removed = purge(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]))
if #removed == 0 then return {removed, false} end
return {removed, end_if_empty(KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5])}
"""
)

UPDATE_SCRIPT = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if not raw then return false end
local entry = cjson.decode(raw)
for key, value in pairs(cjson.decode(ARGV[2])) do entry[key] = value end
local encoded = cjson.encode(entry)
redis.call('HSET', KEYS[1], ARGV[1], encoded)
return encoded
"""

# The meeting's breakout groups, only while the meeting exists (a late write must not revive it).
SET_BREAKOUT_SCRIPT = """
if not redis.call('HGET', KEYS[1], 'started_at') then return 0 end
redis.call('HSET', KEYS[1], 'breakout', ARGV[1])
return 1
"""

# Compare-and-set of the meeting's transport, only while the meeting exists.
SET_TRANSPORT_SCRIPT = """
if not redis.call('HGET', KEYS[1], 'started_at') then return 0 end
local raw = redis.call('HGET', KEYS[1], 'transport')
local via = ARGV[3]
if raw then via = cjson.decode(raw)['via'] or ARGV[3] end
if via ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'transport', ARGV[2])
return 1
"""

CLAIM_SCRIPT = """
local previous = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
if previous == ARGV[2] then return false end
return previous
"""

RELEASE_SCRIPT = """
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0
"""

POP_KNOCK_SCRIPT = """
local raw = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[1], ARGV[1])
return raw
"""

KICK_SCRIPT = f"""
for i = 1, #ARGV do
  redis.call('SADD', KEYS[1], ARGV[i])
  if string.sub(ARGV[i], 1, 2) == 'p:' then redis.call('SREM', KEYS[2], string.sub(ARGV[i], 3)) end
end
redis.call('EXPIRE', KEYS[1], {MEETING_FACTS_TTL})
"""


class RedisPresence:
    def __init__(self, url, prefix="parlor"):
        self.redis = redis.Redis.from_url(url, decode_responses=True)
        self.prefix = prefix
        self._join = self.redis.register_script(JOIN_SCRIPT)
        self._leave = self.redis.register_script(LEAVE_SCRIPT)
        self._purge = self.redis.register_script(PURGE_SCRIPT)
        self._update = self.redis.register_script(UPDATE_SCRIPT)
        self._claim = self.redis.register_script(CLAIM_SCRIPT)
        self._release = self.redis.register_script(RELEASE_SCRIPT)
        self._pop_knock = self.redis.register_script(POP_KNOCK_SCRIPT)
        self._kick = self.redis.register_script(KICK_SCRIPT)
        self._set_transport = self.redis.register_script(SET_TRANSPORT_SCRIPT)
        self._set_breakout = self.redis.register_script(SET_BREAKOUT_SCRIPT)

    def _key(self, room_id, what):
        return f"{self.prefix}:room:{room_id}:{what}"

    def _meeting_keys(self, room_id):
        return [self._key(room_id, what) for what in ("members", "meeting", "admitted", "kicked", "cohosts")]

    @staticmethod
    def _ended(raw):
        return json.loads(raw) if raw else None

    def claim_socket(self, room_id, participant_id, sid):
        return self._claim(keys=[self._key(room_id, "sockets")], args=[participant_id, sid, MEETING_FACTS_TTL])

    def release_socket(self, room_id, participant_id, sid):
        return bool(self._release(keys=[self._key(room_id, "sockets")], args=[participant_id, sid]))

    def socket_of(self, room_id, participant_id):
        return self.redis.hget(self._key(room_id, "sockets"), participant_id)

    def join(self, room_id, participant, capacity, now=None):
        now = now or time.time()
        entry = json.dumps(dict(participant, seen=now))
        joined, started, removed = self._join(
            keys=self._meeting_keys(room_id)[:2], args=[participant["id"], entry, capacity, now, STALE_AFTER]
        )
        return JoinOutcome(bool(joined), self.members(room_id, now), bool(started), [json.loads(r) for r in removed])

    def restore(self, room_id, participant, now=None):
        """Put back a member a worker still holds (``recovery.py``), without announcing a new meeting."""
        now = now or time.time()
        entry = dict(participant, seen=now)
        members, meeting = self._meeting_keys(room_id)[:2]
        with self.redis.pipeline() as pipe:
            pipe.hset(members, participant["id"], json.dumps(entry))
            pipe.hsetnx(meeting, "started_at", now)
            pipe.hsetnx(meeting, "peak", 0)
            pipe.execute()

    def epoch(self):
        """A random value set once per Redis lifetime: gone when Redis forgot presence."""
        return self.redis.get(f"{self.prefix}:epoch")

    def start_epoch(self, value):
        """Set the epoch unless another worker just did; the epoch in force."""
        self.redis.set(f"{self.prefix}:epoch", value, nx=True)
        return self.redis.get(f"{self.prefix}:epoch")

    def leave(self, room_id, participant_id, sid=None):
        entry, ended = self._leave(keys=self._meeting_keys(room_id), args=[participant_id, sid or ""])
        return (json.loads(entry) if entry else None), self._ended(ended)

    def purge_stale(self, room_id, now=None):
        removed, ended = self._purge(keys=self._meeting_keys(room_id), args=[now or time.time(), STALE_AFTER])
        return [json.loads(r) for r in removed], self._ended(ended)

    def members(self, room_id, now=None):
        now = now or time.time()
        raw = self.redis.hgetall(self._key(room_id, "members"))
        return [p for p in map(json.loads, raw.values()) if now - p["seen"] <= STALE_AFTER]

    def occupancy(self, now=None):
        counts = {}
        for key in self.redis.scan_iter(match=f"{self.prefix}:room:*:members", count=500):
            room_id = key.split(":")[-2]
            if people := len(self.members(int(room_id) if room_id.isdigit() else room_id, now)):
                counts[int(room_id) if room_id.isdigit() else room_id] = people
        return counts

    def get(self, room_id, participant_id):
        raw = self.redis.hget(self._key(room_id, "members"), participant_id)
        return json.loads(raw) if raw else None

    def update(self, room_id, participant_id, **fields):
        fields["seen"] = time.time()
        raw = self._update(keys=[self._key(room_id, "members")], args=[participant_id, json.dumps(fields)])
        return json.loads(raw) if raw else None

    def transport(self, room_id):
        raw = self.redis.hget(self._key(room_id, "meeting"), "transport")
        return json.loads(raw) if raw else {}

    def set_transport(self, room_id, expected_via, state, default_via):
        keys = [self._key(room_id, "meeting")]
        return bool(self._set_transport(keys=keys, args=[expected_via, json.dumps(state), default_via]))

    def breakout(self, room_id):
        raw = self.redis.hget(self._key(room_id, "meeting"), "breakout")
        return json.loads(raw) if raw else {}

    def set_breakout(self, room_id, state):
        return bool(self._set_breakout(keys=[self._key(room_id, "meeting")], args=[json.dumps(state)]))

    def add_knock(self, room_id, knock):
        key = self._key(room_id, "knocks")
        self.redis.hset(key, knock["id"], json.dumps(knock))
        self.redis.expire(key, 3600)

    def pop_knock(self, room_id, participant_id):
        raw = self._pop_knock(keys=[self._key(room_id, "knocks")], args=[participant_id])
        return json.loads(raw) if raw else None

    def knocks(self, room_id):
        return [json.loads(v) for v in self.redis.hgetall(self._key(room_id, "knocks")).values()]

    def admit(self, room_id, participant_id):
        key = self._key(room_id, "admitted")
        self.redis.sadd(key, participant_id)
        self.redis.expire(key, MEETING_FACTS_TTL)

    def is_admitted(self, room_id, participant_id):
        return bool(self.redis.sismember(self._key(room_id, "admitted"), participant_id))

    def kick(self, room_id, marks):
        self._kick(keys=[self._key(room_id, "kicked"), self._key(room_id, "admitted")], args=list(marks))

    def is_kicked(self, room_id, marks):
        return any(self.redis.smismember(self._key(room_id, "kicked"), list(marks)))

    def add_cohost(self, room_id, participant_id):
        key = self._key(room_id, "cohosts")
        self.redis.sadd(key, participant_id)
        self.redis.expire(key, MEETING_FACTS_TTL)

    def remove_cohost(self, room_id, participant_id):
        self.redis.srem(self._key(room_id, "cohosts"), participant_id)

    def is_cohost(self, room_id, participant_id):
        return bool(self.redis.sismember(self._key(room_id, "cohosts"), participant_id))

    def claim_notice(self, key, interval, now=None):
        return bool(self.redis.set(f"{self.prefix}:notice:{key}", 1, nx=True, ex=int(interval)))

    def clear(self):
        keys = list(self.redis.scan_iter(f"{self.prefix}:room:*")) + list(
            self.redis.scan_iter(f"{self.prefix}:notice:*")
        )
        if keys:
            self.redis.delete(*keys)
