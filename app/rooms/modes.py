"""Which way a meeting's media travels, and when an auto meeting moves.

A small room is always peer-to-peer and a large one always goes through the room's node. An
auto room starts peer-to-peer; the join that makes it too big for a mesh moves it to the node,
and once it has stayed small enough for a while (``AUTO_BACK_AFTER_SECONDS``) it moves back.
Every decision is taken here, on the server, from presence alone: what clients send never
moves a meeting. The current transport lives in presence (memory or Redis alike), so every
worker agrees on it; a move is a compare-and-set there, so only one worker announces it.

Everyone in the meeting hears a move as a ``transport`` event; clients switch make-before-break.
"""

import logging

from flask import current_app

from ..nodes.placement import NoNodeAvailable, node_for_room
from ..plans import AUTO, AUTO_BACK_AFTER_SECONDS, AUTO_BACK_AT, AUTO_TO_NODE_AT, LARGE, VIA_NODE, VIA_PEERS
from ..timeutil import utcnow
from . import services
from .connections import presence, room_channel, transport

log = logging.getLogger("parlor.rooms")

# Clients ping presence this often (at most); auto rooms ask for more, so a move back is not
# late by a whole ping interval.
PRESENCE_EVERY_SECONDS = 30


def now():
    """Seconds on the app's one clock (``app.timeutil``), which tests move without sleeping."""
    return utcnow().timestamp()


def back_after():
    return float(current_app.config.get("AUTO_BACK_AFTER_SECONDS") or AUTO_BACK_AFTER_SECONDS)


def region_label(region):
    return current_app.config["REGIONS"].get(region, {}).get("label", region) if region else None


def current(room):
    """The meeting's transport now: {"via": peers or node, "region": the node's region label or None}."""
    mode = services.meeting_mode(room)
    if mode == AUTO:
        state = presence().transport(room.id)
        return {"via": state.get("via", VIA_PEERS), "region": state.get("region")}
    return {"via": VIA_NODE if mode == LARGE else VIA_PEERS, "region": None}


def presence_every(room):
    """How often a client should ping presence, in seconds."""
    if services.meeting_mode(room) != AUTO:
        return PRESENCE_EVERY_SECONDS
    return max(1.0, min(PRESENCE_EVERY_SECONDS, back_after() / 3))


def review(room, ip=None, rtt=None):
    """After a join, a leave or a ping: move an auto meeting if its size says so.

    ``ip`` is the address of whoever joined and ``rtt`` their lobby's round-trip times to nearby
    nodes, used to place the room on a node near them.
    """
    if room is None or services.meeting_mode(room) != AUTO:
        return
    state = presence().transport(room.id)
    via = state.get("via", VIA_PEERS)
    count = len(presence().members(room.id))
    if via == VIA_PEERS:
        if count >= AUTO_TO_NODE_AT:
            _move_to_node(room, ip, rtt)
        return
    quiet_since = state.get("quiet_since")
    if count > AUTO_BACK_AT:
        if quiet_since is not None:  # it grew again: the wait starts over next time
            _replace(room.id, VIA_NODE, dict(state, quiet_since=None))
    elif quiet_since is None:
        _replace(room.id, VIA_NODE, dict(state, quiet_since=now()))
    elif now() - quiet_since >= back_after() and _replace(room.id, VIA_NODE, {"via": VIA_PEERS}):
        _announce(room.id, {"via": VIA_PEERS, "region": None})


def _move_to_node(room, ip, rtt):
    try:
        node = node_for_room(room, ip, rtt=rtt)
    except NoNodeAvailable:
        # The meeting stays a mesh (within its capacity) and the next join or ping tries again.
        log.warning("auto room %s outgrew its mesh but no node is available", room.id)
        return
    region = region_label(node.region)
    if _replace(room.id, VIA_PEERS, {"via": VIA_NODE, "region": region}):
        _announce(room.id, {"via": VIA_NODE, "region": region})


def _replace(room_id, expected_via, state):
    return presence().set_transport(room_id, expected_via, state, default_via=VIA_PEERS)


def _announce(room_id, state):
    transport().emit("transport", state, to=room_channel(room_id))


def may_use_node(room):
    return current(room)["via"] == VIA_NODE


def announce_switched(conn, via):
    """Tell the others this person's tiles all play from ``via`` now (a client's word about itself).

    Each page keeps its old way open until everyone who was there has said so, so no one's
    picture ends before their new stream plays. It only ever delays a page's own teardown (which
    is capped), so a false claim cannot move a meeting or cut anyone off.
    """
    if via not in (VIA_PEERS, VIA_NODE):
        raise ValueError(via)
    transport().emit("switched", {"from": conn.pid, "via": via}, to=room_channel(conn.room_id), skip_sid=conn.sid)
    return {"status": "sent"}
