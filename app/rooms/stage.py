"""What happens on the meeting's stage: raised hands, reactions and the spotlight.

None of it is stored. A raised hand and the spotlight are fields of the person's presence entry
(memory or Redis, like every other meeting fact), so they vanish when the person leaves or the
meeting ends, and every worker sees the same queue. Reactions are relayed and forgotten.
Everything goes to the meeting's channel only, which sockets enter once they joined: knockers
and strangers hear none of it.
"""

import time

from .connections import MeetingError, presence, room_channel, transport
from .hosting import NotInMeeting, require_host

# The reactions the page offers; anything else is refused, so nobody floats text over a tile.
REACTIONS = ("👍", "👏", "😂", "😮", "❤️", "🎉")


def hand_queue(room_id):
    """Who has a hand up, first raised first."""
    raised = [p for p in presence().members(room_id) if p.get("hand")]
    return [{"id": p["id"], "name": p["name"]} for p in sorted(raised, key=lambda p: (p["hand"], p["id"]))]


def spotlight_of(room_id):
    """The spotlit participant's id, or None. The latest spotlight wins if two hosts raced."""
    lit = [p for p in presence().members(room_id) if p.get("spotlit")]
    return max(lit, key=lambda p: p["spotlit"])["id"] if lit else None


def _announce_hands(room_id, change):
    transport().emit("hands", dict(change, queue=hand_queue(room_id)), to=room_channel(room_id))


def raise_hand(conn):
    entry = presence().get(conn.room_id, conn.pid)
    if entry is None:
        raise NotInMeeting()
    if not entry.get("hand"):
        presence().update(conn.room_id, conn.pid, hand=time.time())
        _announce_hands(conn.room_id, {"id": conn.pid, "name": conn.name, "raised": True})
    return {"status": "raised", "queue": hand_queue(conn.room_id)}


def lower_hand(conn, pid=None):
    """Lower your own hand, or (hosts only) anyone's."""
    pid = pid or conn.pid
    if pid != conn.pid:
        require_host(conn, "lower other people's hands")
    entry = presence().get(conn.room_id, pid)
    if entry is None:
        raise NotInMeeting()
    if entry.get("hand"):
        presence().update(conn.room_id, pid, hand=None)
        by = None if pid == conn.pid else conn.name
        _announce_hands(conn.room_id, {"id": pid, "name": entry["name"], "raised": False, "by": by})
    return {"status": "lowered", "queue": hand_queue(conn.room_id)}


def react(conn, emoji):
    if emoji not in REACTIONS:
        raise MeetingError("That reaction is not offered.")
    message = {"id": conn.pid, "emoji": emoji}
    transport().emit("reaction", message, to=room_channel(conn.room_id), skip_sid=conn.sid)
    return {"status": "sent"}


def spotlight(conn, pid=None):
    """Spotlight one participant for everyone (``pid`` None clears it). Hosts only."""
    require_host(conn, "spotlight people")
    if pid is not None and presence().get(conn.room_id, pid) is None:
        raise NotInMeeting()
    for member in presence().members(conn.room_id):
        if member.get("spotlit") and member["id"] != pid:
            presence().update(conn.room_id, member["id"], spotlit=None)
    if pid is not None:
        presence().update(conn.room_id, pid, spotlit=time.time())
    transport().emit("spotlight", {"id": pid, "by": conn.name}, to=room_channel(conn.room_id))
    return {"status": "ok", "id": pid}
