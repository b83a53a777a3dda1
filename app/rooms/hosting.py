"""Who hosts a meeting, and the host powers over people: co-hosts, muting, the waiting queue.

A host is the room's signed-in owner, someone another feature's host rule names (an
organisation's members host its team rooms: ``register_host_rule``), whoever opened the room
with its current host link, or a participant a host made co-host for this meeting. All but the
last are decided at every connection
(``meetings.open_connection`` sets ``conn.host``), so a regenerated link stops working even for
tickets issued before. Co-hosts live in presence, shared by every worker, so a promotion or a
demotion counts at once wherever the person's socket is.

Hosts are told things (knocks) on their own sockets, not through a Socket.IO room: entering a room
only works on the worker that holds the socket, and a co-host's socket may be on another one.
"""

import hashlib
import hmac
import time

from flask import current_app, session

from ..extensions import db
from .connections import MeetingError, presence, room_channel, transport
from .models import Room

HOST_LINKS_KEY = "host_links"  # session: room id -> digest of the host key this browser presented


class NotHost(MeetingError):
    def __init__(self, action="do that"):
        super().__init__(f"Only the room's host can {action}.")


class NotInMeeting(MeetingError):
    def __init__(self):
        super().__init__("That participant is not in the meeting.")


# -- the host link


def host_key_digest(key):
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def holds_host_link(room, digest):
    """Does a ticket's digest match the room's *current* host key?"""
    return isinstance(digest, str) and hmac.compare_digest(digest, host_key_digest(room.host_key))


def host_link_for_lobby(room, presented):
    """The host-key digest for this browser's next ticket, or None; and whether ``presented`` was stale.

    A valid link is remembered in the (signed) session as a digest, so a reload or a rejoin from
    the lobby still hosts, until the owner regenerates the link.
    """
    remembered = session.get(HOST_LINKS_KEY, {})
    stale = False
    if isinstance(presented, str) and presented:
        digest = host_key_digest(presented)
        if holds_host_link(room, digest):
            session[HOST_LINKS_KEY] = dict(remembered, **{str(room.id): digest})
            return digest, False
        stale = True
    digest = remembered.get(str(room.id))
    if digest is not None and not holds_host_link(room, digest):
        session[HOST_LINKS_KEY] = {k: v for k, v in remembered.items() if k != str(room.id)}
        return None, stale
    return digest, stale


# -- who hosts

HOST_RULES_KEY = "parlor_host_rules"


def register_host_rule(app, rule):
    """``rule(room, user_id) -> bool``: features that give people host rights add theirs here,
    so rooms never import the features built on top of them."""
    app.extensions.setdefault(HOST_RULES_KEY, []).append(rule)


def hosts_by_membership(room, user):
    """Does a host rule (not ownership or the link) make this signed-in person a host?"""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return any(rule(room, user.id) for rule in current_app.extensions.get(HOST_RULES_KEY, ()))


def hosts_by_right(conn):
    """The owner, a member a host rule names, or a holder of the room's current host link.

    Membership is asked again each time, so someone removed from an organisation stops
    hosting its rooms at once, even with a socket opened before.
    """
    if not conn.host:
        return False
    if conn.by_rule:
        room = db.session.get(Room, conn.room_id)
        return room is not None and any(rule(room, conn.uid) for rule in current_app.extensions.get(HOST_RULES_KEY, ()))
    if conn.host_link is None:
        return True
    room = db.session.get(Room, conn.room_id)
    return room is not None and holds_host_link(room, conn.host_link)


def is_host(conn):
    return hosts_by_right(conn) or presence().is_cohost(conn.room_id, conn.pid)


def role(conn):
    """The hosting fields of someone's presence entry as they join (or rejoin)."""
    previous = presence().get(conn.room_id, conn.pid)
    by_right = hosts_by_right(conn)
    cohost = not by_right and presence().is_cohost(conn.room_id, conn.pid)
    return {
        "host": by_right or cohost,
        "cohost": cohost,
        "via_link": by_right and conn.host_link is not None,
        "since": previous["since"] if previous and "since" in previous else time.time(),
    }


def unhost_link_holders(room_id):
    """The owner regenerated the host link: whoever hosts through the old one stops now."""
    for member in presence().members(room_id):
        if member.get("via_link") and not member.get("cohost"):
            entry = presence().update(room_id, member["id"], host=False, via_link=False)
            if entry is not None:
                _announce_role(room_id, entry, "revoked")
    if not anyone_hosting(room_id):
        _tell_knockers(room_id, "host-gone")


def anyone_hosting(room_id):
    return any(p.get("host") for p in presence().members(room_id))


def tell_hosts(room_id, event, payload):
    for member in presence().members(room_id):
        if member.get("host"):
            transport().emit(event, payload, to=member["sid"])


def require_host(conn, action):
    if not is_host(conn):
        raise NotHost(action)


def _other_member(conn, pid):
    target = presence().get(conn.room_id, pid)
    if target is None or pid == conn.pid:
        raise NotInMeeting()
    return target


def _announce_role(room_id, entry, reason, by=None):
    payload = {"id": entry["id"], "name": entry["name"], "host": entry["host"], "cohost": entry["cohost"]}
    transport().emit("role", dict(payload, reason=reason, by=by), to=room_channel(room_id))


# -- co-hosts


def promote(conn, pid):
    require_host(conn, "make co-hosts")
    target = _other_member(conn, pid)
    if target.get("host"):
        raise MeetingError(f"{target['name']} already hosts.")
    presence().add_cohost(conn.room_id, pid)
    entry = presence().update(conn.room_id, pid, host=True, cohost=True)
    if entry is None:
        raise NotInMeeting()
    _announce_role(conn.room_id, entry, "promoted", by=conn.name)
    transport().emit("waiting", {"knocks": waiting_list(conn.room_id)}, to=entry["sid"])
    return {"status": "promoted"}


def demote(conn, pid):
    require_host(conn, "change co-hosts")
    target = _other_member(conn, pid)
    if not target.get("cohost"):
        raise MeetingError("Only co-hosts can be made participants again.")
    presence().remove_cohost(conn.room_id, pid)
    entry = presence().update(conn.room_id, pid, host=False, cohost=False)
    if entry is None:
        raise NotInMeeting()
    _announce_role(conn.room_id, entry, "demoted", by=conn.name)
    return {"status": "demoted"}


def next_host(members):
    """Who hosts after the last host left: the co-host who has been in the meeting longest, or None."""
    if any(p.get("host") and not p.get("cohost") for p in members):
        return None
    cohosts = [p for p in members if p.get("cohost")]
    return min(cohosts, key=lambda p: (p.get("since", 0), p["id"]), default=None)


def hand_over(room_id, left):
    """``left`` (a presence entry) has gone; if they hosted, the longest-present co-host hosts now.

    With nobody left who can admit, the people knocking are told so.
    """
    if not left.get("host"):
        return
    members = presence().members(room_id)
    chosen = None if left.get("cohost") else next_host(members)
    if chosen is not None:
        entry = presence().update(room_id, chosen["id"], cohost=False)
        if entry is not None:
            _announce_role(room_id, entry, "handover", by=left.get("name"))
    elif not any(p.get("host") for p in members):
        _tell_knockers(room_id, "host-gone")


# -- microphones and cameras: the host asks, the person's own page switches off


def mute(conn, pid, kind):
    require_host(conn, "mute people" if kind == "audio" else "turn cameras off")
    target = _other_member(conn, pid)
    transport().emit("host-muted", {"kind": kind, "by": conn.name}, to=target["sid"])
    return {"status": "asked"}


def mute_everyone(conn):
    require_host(conn, "mute everyone")
    for member in presence().members(conn.room_id):
        if member["id"] != conn.pid:
            transport().emit("host-muted", {"kind": "audio", "by": conn.name}, to=member["sid"])
    return {"status": "asked"}


# -- the waiting queue


def waiting_list(room_id, now=None):
    """Who knocks, longest waiting first, with how many seconds each has waited."""
    now = now or time.time()
    knocks = sorted(presence().knocks(room_id), key=lambda k: k.get("at", 0))
    return [{"id": k["id"], "name": k["name"], "waited": max(0, int(now - k.get("at", now)))} for k in knocks]


def waiting(conn):
    require_host(conn, "see who is waiting")
    return {"knocks": waiting_list(conn.room_id)}


def _answer(room_id, pid, admitted):
    knock = presence().pop_knock(room_id, pid)
    if knock is None:
        return False
    if admitted:
        presence().admit(room_id, pid)
    sid = presence().socket_of(room_id, pid) or knock["sid"]
    transport().emit("knock-result", {"admitted": admitted}, to=sid)
    tell_hosts(room_id, "knock-answered", {"id": pid})
    return True


def answer_knock(conn, pid, admitted):
    require_host(conn, "let people in")
    if not _answer(conn.room_id, pid, admitted):
        raise MeetingError("That person is no longer waiting.")
    return {"status": "admitted" if admitted else "denied"}


def answer_everyone(conn, admitted):
    require_host(conn, "let people in")
    answered = [k["id"] for k in waiting_list(conn.room_id) if _answer(conn.room_id, k["id"], admitted)]
    return {"status": "admitted" if admitted else "denied", "count": len(answered)}


def _tell_knockers(room_id, event):
    for knock in presence().knocks(room_id):
        transport().emit(event, {}, to=presence().socket_of(room_id, knock["id"]) or knock["sid"])


def tell_knockers_host_is_here(room_id):
    _tell_knockers(room_id, "host-here")
