"""The meeting rules: who is in a meeting, who may come in, and what leaving means.

Socket.IO handlers (``events.py``) only translate events into calls here and answers back. Every
rule about membership lives in this module, so there is one place to get it right:

- one live socket per participant id: a newer socket replaces the older, which is told and
  disconnected;
- leave, kick and the stale-presence purge all go through ``_remove``, which takes the socket out
  of every channel, announces ``peer-left``, disconnects it (on whichever worker holds it) and
  revokes the participant's grant on the room's node;
- a kick is remembered for the meeting (participant, visitor and account): the removed person's
  ticket stops working and a fresh one must knock, even in an open room;
- hosts are decided from the room's current owner and host key at every connection, never from
  a ticket's say-so; co-hosts and the other host powers live in ``hosting.py``.

Messages to other sockets go through the app's transport (``app.extensions``), so this module
does not know about Socket.IO and works the same for local and remote sockets.
"""

import time

from flask import current_app, url_for

from ..extensions import db
from ..nodes.placement import NoNodeAvailable, join_token_for, revoke_node_grant
from ..usage import track_meeting
from ..webhooks import events as webhooks
from . import apps, breakout, e2ee, hosting, modes, recording, services, stage
from .connections import Connection, MeetingError, presence, room_channel, transport
from .hosting import NotHost, NotInMeeting
from .models import Room
from .notify import notify_absent_owner
from .people import public
from .tickets import InvalidTicket, marks, read_ticket
from .turn import turn_credentials


class ConnectionRefused(MeetingError):
    """The socket may not connect at all."""


class RoomGone(MeetingError):
    def __init__(self):
        super().__init__("This room no longer exists.")


def _room(conn):
    room = db.session.get(Room, conn.room_id)
    if room is None:
        raise RoomGone()
    return room


# -- connecting and disconnecting


def open_connection(token, user, sid, ip):
    """Check a room ticket for a new socket, make it the participant's only socket, return it."""
    try:
        ticket = read_ticket(token)
    except InvalidTicket:
        raise ConnectionRefused("A valid room ticket is required.") from None
    uid = user.id if user is not None and user.is_authenticated else None
    if ticket["uid"] is not None and ticket["uid"] != uid:
        raise ConnectionRefused("This ticket belongs to another session.")
    room = db.session.get(Room, ticket["room"])
    if room is None or room.key != ticket["rk"]:
        raise ConnectionRefused("This room no longer exists.")
    if presence().is_kicked(room.id, [f"p:{ticket['pid']}"]):
        raise ConnectionRefused("The host removed you from this meeting.")
    owner = room.is_owned_by(user)
    by_rule = not owner and ticket["uid"] is not None and hosting.hosts_by_membership(room, user)
    host_link = ticket.get("hk") if not (owner or by_rule) and hosting.holds_host_link(room, ticket.get("hk")) else None
    conn = Connection(
        sid=sid,
        room_id=room.id,
        pid=ticket["pid"],
        uid=ticket["uid"],
        host=owner or by_rule or host_link is not None,
        host_link=host_link,
        by_rule=by_rule,
        marks=marks(ticket),
        ip=ip,
        embed_name=ticket.get("dn"),
        picture=url_for("account.avatar", key=user.avatar_key) if uid and user.has_avatar else None,
    )
    previous = presence().claim_socket(room.id, conn.pid, sid)
    if previous is not None:
        _remove(room.id, conn.pid, previous, notice="replaced", ban=False)
    return conn


def close_connection(conn):
    """The socket went away (closed, replaced or removed): leave whatever it still held."""
    presence().pop_knock(conn.room_id, conn.pid)
    if conn.joined:
        _leave_meeting(conn)
    presence().release_socket(conn.room_id, conn.pid, conn.sid)


def _leave_meeting(conn):
    conn.joined = False
    transport().leave(conn.sid, room_channel(conn.room_id))
    entry, ended = presence().leave(conn.room_id, conn.pid, sid=conn.sid)
    _after_leaving(conn.room_id, entry, ended, ban=False)


def _remove(room_id, pid, sid, notice, ban, purged=None):
    """The one way someone is taken out: from channels, presence, their socket and the node.

    ``purged`` is their presence entry when the stale-presence purge already took it out.
    """
    transport().emit(notice, {}, to=sid)
    transport().leave(sid, room_channel(room_id))
    entry, ended = (purged, None) if purged else presence().leave(room_id, pid, sid=sid)
    presence().release_socket(room_id, pid, sid)
    transport().disconnect(sid)
    _after_leaving(room_id, entry, ended, ban)


def _after_leaving(room_id, entry, ended, ban):
    if entry is not None:
        transport().emit("peer-left", {"id": entry["id"]}, to=room_channel(room_id))
        if room := db.session.get(Room, room_id):
            webhooks.client_left(room, entry, len(presence().members(room_id)))
        if ban:
            breakout.forget(room_id, entry["id"])
        if entry.get("node") or ban:
            # A ban shuts the room's every name on the node (its main room and breakout groups).
            for scope in {None, entry.get("group")}:
                revoke_node_grant(room_id, entry["id"], ban=ban, scope=scope)
        hosting.hand_over(room_id, entry)
        recording.recorder_left(room_id, entry)
        apps.host_left(room_id, entry)
    if ended is not None:
        _meeting_ended(room_id, ended)
    elif entry is not None:
        modes.review(db.session.get(Room, room_id))


def _remove_stale(room_id, entries, ended=None):
    for entry in entries:
        _remove(room_id, entry["id"], entry["sid"], notice="removed", ban=False, purged=entry)
    if ended is not None:
        _meeting_ended(room_id, ended)


def _meeting_ended(room_id, meeting):
    room = db.session.get(Room, room_id)
    if room is not None:
        duration = max(0, int(time.time() - meeting["started_at"]))
        track_meeting("meeting_ended", room, duration_seconds=duration, peak_participants=meeting["peak"])
        webhooks.meeting_ended(room, meeting, time.time())


# -- joining


def must_knock(room, conn):
    """Is this person kept in the lobby until a host lets them in?"""
    if hosting.is_host(conn) or presence().is_admitted(room.id, conn.pid):
        return None
    if presence().is_kicked(room.id, conn.marks):
        return "removed"
    # A members-only team room: its members host (above), everyone else knocks.
    return "locked" if room.locked or room.members_only else None


def join(conn, name, muted=False, camera=True, key=None, rtt=None):
    """``key``: the joiner's public key for end-to-end encryption; ``rtt``: the lobby's checked
    median round-trip times to nearby nodes, to place the room."""
    room = _room(conn)
    if services.has_ended(room):
        raise MeetingError(status="ended")
    if services.is_read_only(room):
        raise MeetingError(status="read-only")
    if waiting := must_knock(room, conn):
        raise MeetingError(status=waiting)
    e2ee.admit(room, key)
    capacity = services.capacity(room)
    participant = {
        "id": conn.pid,
        "name": name,
        **hosting.role(conn),
        "picture": conn.picture,
        "sid": conn.sid,
        "marks": conn.marks,
        "muted": bool(muted),
        "camera": camera is not False,
        "screen": False,
        "embed_name": conn.embed_name,  # never public: only the embedding site's webhooks get it
        "key": key,
        "e2ee": key is not None,
        # Someone coming back (a dropped connection) keeps their breakout group; a newcomer
        # starts in the main room, where a host can move them.
        "group": breakout.returning_group(room.id, conn.pid),
    }
    outcome = presence().join(room.id, participant, capacity)
    _remove_stale(room.id, outcome.stale)
    if not outcome.joined:
        raise MeetingError(status="full", capacity=capacity)
    conn.joined, conn.name, conn.entry, conn.knock = True, name, participant, None
    if rtt:  # a rejoin without fresh measurements keeps the lobby's
        conn.rtt = rtt
    transport().enter(conn.sid, room_channel(room.id))
    if participant["host"]:
        hosting.tell_knockers_host_is_here(room.id)
    transport().emit("peer-joined", public(participant), to=room_channel(room.id), skip_sid=conn.sid)
    if outcome.started:
        track_meeting("meeting_started", room)
        webhooks.meeting_started(room, time.time())
    webhooks.client_joined(room, participant, len(outcome.members))
    modes.review(room, ip=conn.ip, rtt=conn.rtt)
    scope = breakout.view_for(room, conn.pid)  # after the review: its transport may have just moved
    return {
        "status": "joined",
        "self": conn.pid,
        "host": participant["host"],
        "cohost": participant["cohost"],
        "mode": services.meeting_mode(room),
        "transport": scope["transport"],
        "presence_every": modes.presence_every(room),
        "capacity": capacity,
        "locked": room.locked,
        "participants": scope["participants"],
        "breakout": scope,
        "knocks": hosting.waiting_list(room.id) if participant["host"] else [],
        "hands": stage.hand_queue(room.id),
        "spotlight": stage.spotlight_of(room.id),
        "recording": recording.state(room.id),
        "apps_locked": apps.locked(room.id),
        "ice": _relay_for(conn.pid),
    }


def leave(conn):
    _leave_meeting(conn)
    return {"status": "left"}


def ping(conn):
    """A client's presence ping: refresh it and purge anyone whose pings stopped."""
    if presence().update(conn.room_id, conn.pid) is None:
        conn.joined = False
        raise MeetingError("You are no longer in the meeting.", status="removed")
    stale, ended = presence().purge_stale(conn.room_id)
    _remove_stale(conn.room_id, stale, ended)
    breakout.review(conn.room_id)
    modes.review(_room(conn), ip=conn.ip, rtt=conn.rtt)
    return {"status": "ok"}


# -- the lobby: knocking and admission


def knock(conn, name):
    room = _room(conn)
    if hosting.is_host(conn):
        raise MeetingError("You host this room. Join directly.")
    if must_knock(room, conn) is None:
        raise MeetingError("This room is not locked. Join directly.")
    conn.knock = {"id": conn.pid, "name": name, "sid": conn.sid, "at": time.time()}
    presence().add_knock(room.id, conn.knock)
    hosting.tell_hosts(room.id, "knock", {"id": conn.pid, "name": name, "waited": 0})
    webhooks.knocked(room, {"id": conn.pid, "embed_name": conn.embed_name}, len(presence().members(room.id)))
    host_here = hosting.anyone_hosting(room.id)
    if not host_here:
        notify_absent_owner(room, name)
    return {"status": "waiting", "host_here": host_here}


# -- host powers


def kick(conn, pid):
    if not hosting.is_host(conn):
        raise NotHost("remove people")
    target = presence().get(conn.room_id, pid)
    if target is None or pid == conn.pid:
        raise NotInMeeting()
    if target.get("host"):
        raise MeetingError("Hosts cannot be removed.")
    presence().kick(conn.room_id, target.get("marks") or [f"p:{pid}"])
    presence().pop_knock(conn.room_id, pid)
    sids = {target["sid"], presence().socket_of(conn.room_id, pid)} - {None}
    for sid in sids:
        _remove(conn.room_id, pid, sid, notice="kicked", ban=True)
    return {"status": "removed"}


def set_locked(conn, locked):
    if not hosting.is_host(conn):
        raise NotHost("lock the room")
    room = _room(conn)
    services.set_locked(room, locked)
    transport().emit("room-locked", {"locked": room.locked}, to=room_channel(room.id))
    return {"status": "ok", "locked": room.locked}


# -- relaying: only between people who are in the meeting now


def relay_signal(conn, to, message):
    if not ("description" in message or "candidate" in message):
        raise MeetingError("A signal needs a description or a candidate.")
    target = presence().get(conn.room_id, to)
    if target is None or to == conn.pid:
        raise NotInMeeting()
    if not breakout.same_scope(conn.room_id, conn.pid, target):
        raise MeetingError("That participant is in another breakout group.")
    transport().emit("signal", dict(message, **{"from": conn.pid}), to=target["sid"])
    return {"status": "sent"}


def share_media_state(conn, muted, camera, screen, screen_stream=None):
    """Microphone, camera and screen as the person switched them; ``screen_stream`` tells a peer-to-peer
    receiver which of the person's incoming streams is the shared screen (its MediaStream id)."""
    state = {"muted": muted, "camera": camera, "screen": screen, "screen_stream": screen_stream if screen else None}
    presence().update(conn.room_id, conn.pid, **state)
    conn.remember(**state)
    transport().emit("peer-media", dict(state, id=conn.pid), to=room_channel(conn.room_id), skip_sid=conn.sid)
    return {"status": "ok"}


def chat(conn, text):
    """Relayed to the people in the sender's scope now (their breakout group), never stored or logged."""
    message = {"from": conn.pid, "name": conn.name, "text": text, "at": int(time.time() * 1000)}
    breakout.tell_scope(conn, "chat", message)
    return {"status": "sent", "at": message["at"]}


# -- the node


def node_grant(conn):
    """A single-use join token for the room's node, while the meeting goes through it.

    It carries fresh TURN credentials too: a person whose network allows only TURN needs the
    relay to reach the node as much as to reach peers, and a reconnect may come after the
    credentials handed out at join time have expired.
    """
    room = _room(conn)
    group = breakout.scope_of(room.id, presence().get(room.id, conn.pid))
    if not breakout.may_use_node(room, group):
        raise MeetingError("This meeting is peer-to-peer now, which does not use a video router.")
    if presence().update(conn.room_id, conn.pid, node=True) is None:
        raise MeetingError("Join the meeting first.")
    try:
        grant = join_token_for(
            room,
            participant=conn.pid,
            name=conn.name,
            role="host" if hosting.is_host(conn) else "guest",
            capacity=services.capacity(room),
            ip=conn.ip,
            rtt=conn.rtt,
            scope=group,  # a breakout group's members meet under the group's own name on the node
        )
        return dict(grant, region_label=modes.region_label(grant["region"]), ice=_relay_for(conn.pid))
    except NoNodeAvailable:
        raise MeetingError("No video router is available right now. Retrying…", retry=True) from None


def _relay_for(pid):
    config = current_app.config
    return turn_credentials(config["TURN_SECRET"], config["TURN_URLS"], pid, config["TURN_CREDENTIAL_TTL"])


def relay_credentials(token):
    """TURN credentials for the holder of a ticket who is in the meeting now, or None.

    Raises ``InvalidTicket`` for a missing, forged or expired ticket.
    """
    ticket = read_ticket(token)
    room = db.session.get(Room, ticket["room"])
    if room is None or room.key != ticket["rk"] or presence().get(room.id, ticket["pid"]) is None:
        return None
    return _relay_for(ticket["pid"])
