"""Breakout groups: a host splits a meeting into groups, each its own sub-meeting, then calls
everyone back.

Nothing of it is stored. How many groups there are, their timer and the closing warning are a
fact of the meeting in presence (memory or Redis), and who is in which group is a field of each
person's presence entry, so all of it ends with the meeting or with the person's place in it.

A group is a scope of the meeting, enforced here rather than trusted to pages:

- signals and sealed media keys pass only between two people in the same scope (``same_scope``),
  so nobody builds a peer-to-peer connection with, or gets a media key from, another group;
- a group goes through the room's node under a name of its own (``<room>:g2``, see
  ``placement.scoped_room_key``) and only its members get tokens for that name; moving someone
  revokes their grant on the name they left;
- chat goes to one's own scope only.

Each person hears every change as a ``breakout`` event carrying their own scope: its people and
which way its media travels (a group follows the room's mode rules by its own size). Pages show
tiles only for those people; the people who left their scope count as left, so every sender
makes a fresh media key (``e2ee/key-exchange.js``).

There is no scheduler: deadlines (the timer, the closing warning) are checked at every presence
ping (``review``), and pages ping at the deadlines they were told.
"""

import random
import time

from ..extensions import db
from ..nodes.placement import revoke_node_grant
from ..plans import AUTO, AUTO_TO_NODE_AT, LARGE, SMALL, VIA_NODE, VIA_PEERS
from . import modes, services
from .connections import MeetingError, presence, room_channel, transport
from .hosting import NotInMeeting, require_host
from .models import Room
from .people import public

MAX_GROUPS = 20
MAX_MINUTES = 240
CLOSE_WARNING_SECONDS = 30  # everyone hears this long before the groups close


class NoGroups(MeetingError):
    def __init__(self):
        super().__init__("There are no breakout groups open.")


def state(room_id):
    """The groups now ({} while there are none): count, ends_at and closing_at (app clock), and
    ``placed``, {participant id: group}, which outlives a dropped connection."""
    return presence().breakout(room_id)


def scope_of(room_id, entry, groups=None):
    """Someone's group while groups are open, else None (the main room)."""
    groups = state(room_id) if groups is None else groups
    return groups.get("placed", {}).get(entry["id"]) if groups and entry else None


def returning_group(room_id, pid):
    """The group of someone coming back after a dropped connection (None: the main room)."""
    return state(room_id).get("placed", {}).get(pid)


def same_scope(room_id, pid, other):
    """Are ``pid`` and the presence entry ``other`` in the same group (or both in the main room)?"""
    groups = state(room_id)
    return scope_of(room_id, presence().get(room_id, pid), groups) == scope_of(room_id, other, groups)


def group_transport(room, size):
    """A group's way by its own size: the room's mode rules, without the auto room's wait."""
    mode = services.meeting_mode(room)
    if mode == LARGE or (mode == AUTO and size >= AUTO_TO_NODE_AT):
        return {"via": VIA_NODE, "region": None}
    return {"via": VIA_PEERS, "region": None}


def may_use_node(room, group):
    """Whether someone in ``group`` (None: the main room) may have a token for the node now."""
    if group is None:
        return modes.may_use_node(room)
    # A group that shrank keeps the node it is on; only a peer-to-peer room has none.
    return services.meeting_mode(room) != SMALL


def _seconds_left(deadline):
    return None if deadline is None else max(0, round(deadline - modes.now()))


def _view(room, entry, members, groups):
    """What one person hears: their scope's people and transport, and (hosts) who is where."""
    group = scope_of(room.id, entry, groups)
    scope = [p for p in members if scope_of(room.id, p, groups) == group]
    way = modes.current(room) if group is None else group_transport(room, len(scope))
    view = {
        "open": bool(groups),
        "group": group,
        "count": groups.get("count", 0),
        "ends_in": _seconds_left(groups.get("ends_at")),
        "closing_in": _seconds_left(groups.get("closing_at")),
        "participants": [public(p) for p in scope if p["id"] != entry["id"]],
        "transport": way,
    }
    if entry.get("host"):
        view["roster"] = [{"id": p["id"], "name": p["name"], "group": scope_of(room.id, p, groups)} for p in members]
    return view


def view_for(room, pid):
    """The ``breakout`` part of a join answer."""
    entry = presence().get(room.id, pid)
    return _view(room, entry, presence().members(room.id), state(room.id)) if entry else None


def announce(room_id, reason, moved=None):
    """Tell everyone their scope now: a change of groups changes everyone's view of who is here."""
    room = db.session.get(Room, room_id)
    if room is None:
        return
    groups, members = state(room_id), presence().members(room_id)
    for entry in members:
        payload = dict(_view(room, entry, members, groups), reason=reason, moved=entry["id"] in (moved or ()))
        transport().emit("breakout", payload, to=entry["sid"])


def _place(room_id, pid, group):
    """Put one person into ``group`` (None: the main room); their node grant elsewhere ends.

    The groups' ``placed`` map is the truth; the person's entry mirrors it for the people lists.
    """
    groups, entry = state(room_id), presence().get(room_id, pid)
    placed = dict(groups.get("placed", {}))
    if entry is None or placed.get(pid) == group:
        return False
    left = placed.pop(pid, None)
    if group is not None:
        placed[pid] = group
    presence().set_breakout(room_id, dict(groups, placed=placed))
    presence().update(room_id, pid, group=group, node=False)
    if entry.get("node"):
        revoke_node_grant(room_id, pid, ban=False, scope=left)
    return True


def forget(room_id, pid):
    """A removed person's group place goes with them: admitted again, they start in the main room."""
    groups = state(room_id)
    if pid in groups.get("placed", {}):
        placed = {k: v for k, v in groups["placed"].items() if k != pid}
        presence().set_breakout(room_id, dict(groups, placed=placed))


def _group_name(number):
    return f"g{number}" if number else None


# -- host powers


def open_groups(conn, count, assignments=None, minutes=0):
    """Split the meeting into ``count`` groups: at random (everyone but the host who opens them),
    or by hand (``assignments``: {participant id: group number, 0 for the main room})."""
    require_host(conn, "open breakout groups")
    if state(conn.room_id):
        raise MeetingError("Breakout groups are already open. Close them first.")
    if not 2 <= count <= MAX_GROUPS:
        raise MeetingError(f"Choose between 2 and {MAX_GROUPS} groups.")
    if minutes > MAX_MINUTES:
        raise MeetingError(f"A breakout timer runs at most {MAX_MINUTES} minutes.")
    members = presence().members(conn.room_id)
    if assignments is None:
        others = [p["id"] for p in members if p["id"] != conn.pid]
        random.shuffle(others)
        placement = {pid: _group_name(i % count + 1) for i, pid in enumerate(others)}
    else:
        present = {p["id"] for p in members}
        # Only people in the meeting now: knockers, the removed and strangers are never placed.
        if set(assignments) - present:
            raise NotInMeeting()
        if any(number > count for number in assignments.values()):
            raise MeetingError(f"There are only {count} groups.")
        placement = {pid: _group_name(number) for pid, number in assignments.items()}
    ends_at = modes.now() + minutes * 60 if minutes else None
    groups = {"count": count, "ends_at": ends_at, "closing_at": None, "placed": {}}
    if not presence().set_breakout(conn.room_id, groups):
        raise NotInMeeting()
    moved = [pid for pid, group in placement.items() if _place(conn.room_id, pid, group)]
    announce(conn.room_id, "opened", moved)
    return {"status": "open", "count": count}


def move(conn, pid, number):
    """Move someone (or yourself: a host joins a group this way) to group ``number``, 0 for the main room."""
    require_host(conn, "move people between groups")
    groups = state(conn.room_id)
    if not groups:
        raise NoGroups()
    if number > groups["count"]:
        raise MeetingError(f"There are only {groups['count']} groups.")
    if presence().get(conn.room_id, pid) is None:
        raise NotInMeeting()
    if _place(conn.room_id, pid, _group_name(number)):
        announce(conn.room_id, "moved", [pid])
    return {"status": "moved", "group": _group_name(number)}


def broadcast(conn, text):
    """A host's message to every group and the main room; relayed, never stored."""
    require_host(conn, "send a message to all groups")
    if not state(conn.room_id):
        raise NoGroups()
    message = {"from": conn.pid, "name": conn.name, "text": text, "at": int(time.time() * 1000)}
    transport().emit("breakout-message", message, to=room_channel(conn.room_id))
    return {"status": "sent"}


def close(conn):
    """Call everyone back: the groups close after a warning (``close_warning`` seconds)."""
    require_host(conn, "close breakout groups")
    groups = state(conn.room_id)
    if not groups:
        raise NoGroups()
    if groups.get("closing_at") is None:
        _start_closing(conn.room_id, groups)
    return {"status": "closing", "closing_in": _seconds_left(state(conn.room_id).get("closing_at"))}


def _start_closing(room_id, groups):
    presence().set_breakout(room_id, dict(groups, closing_at=modes.now() + CLOSE_WARNING_SECONDS))
    announce(room_id, "closing")


def _finish(room_id):
    for entry in presence().members(room_id):
        _place(room_id, entry["id"], None)
    presence().set_breakout(room_id, {})
    announce(room_id, "closed")


def review(room_id):
    """At a ping: a timer that ran out starts the warning; a warning that ran out closes the groups."""
    groups = state(room_id)
    if not groups:
        return
    if groups.get("closing_at") is not None:
        if modes.now() >= groups["closing_at"]:
            _finish(room_id)
    elif groups.get("ends_at") is not None and modes.now() >= groups["ends_at"]:
        _start_closing(room_id, groups)


# -- scoped relaying


def tell_scope(conn, event, message):
    """Send to the people in the sender's scope (everyone, while there are no groups)."""
    groups = state(conn.room_id)
    if not groups:
        transport().emit(event, message, to=room_channel(conn.room_id), skip_sid=conn.sid)
        return
    group = scope_of(conn.room_id, presence().get(conn.room_id, conn.pid), groups)
    for entry in presence().members(conn.room_id):
        if entry["id"] != conn.pid and scope_of(conn.room_id, entry, groups) == group:
            transport().emit(event, message, to=entry["sid"])
