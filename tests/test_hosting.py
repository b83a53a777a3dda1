"""Hosts: the host link, co-hosts, hand-over, muting and the waiting queue, tried with raw sockets."""

import pytest
import sqlalchemy as sa

from app.extensions import db, socketio
from app.rooms import services
from app.rooms.hosting import next_host
from app.rooms.models import Room

from .support.accounts import csrf_token
from .support.sockets import events, join, received, ticket_for

pytestmark = pytest.mark.socketio


@pytest.fixture
def host(auth, room, connect):
    auth.login("host@example.com")
    socket = connect(auth.client)
    assert join(socket, "Host")["host"] is True
    return socket


def host_link(app):
    with app.app_context():
        return "meet-here?host=" + db.session.scalar(sa.select(Room.host_key))


def regenerate(app):
    with app.app_context():
        services.regenerate_host_key(db.session.scalar(sa.select(Room)))
        db.session.commit()


def lock_room(app):
    with app.app_context():
        db.session.execute(sa.update(Room).values(locked=True))
        db.session.commit()


# -- the host link


def test_host_link_makes_a_stranger_host(app, room, connect):
    """Does someone who opens the host link, signed out, host the meeting?"""
    browser = app.test_client()
    answer = join(connect(browser, ticket_for(browser, host_link(app))), "Linked")
    assert answer["host"] is True and answer["cohost"] is False


def test_wrong_host_key_gives_no_host_rights(app, room, connect):
    """Is a made-up host key worth nothing?"""
    browser = app.test_client()
    assert join(connect(browser, ticket_for(browser, "meet-here?host=guessed")), "Guess")["host"] is False


def test_regenerated_link_unhosts_tickets_already_issued(app, room, connect):
    """After the owner regenerates the link, does a ticket issued through the old one connect as a guest only?"""
    browser = app.test_client()
    old_ticket = ticket_for(browser, host_link(app))
    regenerate(app)
    socket = connect(browser, old_ticket)
    assert join(socket, "Former host")["host"] is False
    assert "Only the room's host" in socket.emit("lock", {"locked": True}, callback=True)["error"]


def test_regenerating_unhosts_link_holders_in_the_meeting(app, room, host_client, connect):
    """Does regenerating the link take host powers from someone in the meeting through the old one, announced?"""
    browser = app.test_client()
    linked = connect(browser, ticket_for(browser, host_link(app)))
    linked_id = join(linked, "Linked")["self"]
    guest = connect()
    join(guest, "Guest")
    host_client.post("/user/rooms/meet-here/host-link", data={"csrf_token": csrf_token(host_client, "/user/rooms")})
    assert "Only the room's host" in linked.emit("lock", {"locked": True}, callback=True)["error"]
    [revoked] = events(guest, "role")
    assert revoked["id"] == linked_id and revoked["host"] is False and revoked["reason"] == "revoked"


def test_host_link_is_remembered_until_regenerated(app, room, connect):
    """Does a reload of the plain room link still host, and stop hosting once the link is regenerated?"""
    browser = app.test_client()
    ticket_for(browser, host_link(app))
    assert join(connect(browser, ticket_for(browser)), "Reloaded")["host"] is True
    regenerate(app)
    assert join(connect(browser, ticket_for(browser)), "Reloaded")["host"] is False


def test_ticket_holds_a_digest_not_the_key(app, room):
    """Does the (readable) signed ticket carry no trace of the host key itself?"""
    link = host_link(app)
    ticket = ticket_for(app.test_client(), link)
    with app.app_context():
        from app.rooms.tickets import read_ticket

        payload = read_ticket(ticket)
    assert payload["hk"] and link.split("=")[1] not in repr(payload)


# -- authorization of every host event


@pytest.mark.parametrize(
    "event,target",
    [
        ("promote", True),
        ("demote", True),
        ("mute", True),
        ("stop-camera", True),
        ("mute-all", False),
        ("admit-all", False),
        ("deny-all", False),
        ("waiting", False),
    ],
)
def test_guest_cannot_use_host_powers(connect, host, event, target):
    """Is every host event refused from a guest, with nothing sent to the target?"""
    guest, other = connect(), connect()
    join(guest, "Guest")
    other_id = join(other, "Other")["self"]
    other.get_received()
    answer = guest.emit(event, {"id": other_id} if target else {}, callback=True)
    assert "Only the room's host" in answer["error"]
    assert [m["name"] for m in other.get_received()] == []


# -- co-hosts


def test_promoted_cohost_is_announced_and_can_admit(app, connect, host):
    """Once promoted, is the co-host announced to everyone, and can they lock the room and admit a knocker?"""
    guest, other = connect(), connect()
    guest_id = join(guest, "Gina")["self"]
    join(other, "Otto")
    assert host.emit("promote", {"id": guest_id}, callback=True) == {"status": "promoted"}
    role = events(other, "role")[-1]
    assert role == {"id": guest_id, "name": "Gina", "host": True, "cohost": True, "reason": "promoted", "by": "Host"}
    assert guest.emit("lock", {"locked": True}, callback=True)["locked"] is True
    knocker = connect()
    assert join(knocker, "Kim") == {"status": "locked"}
    knocker.emit("knock", {"name": "Kim"}, callback=True)
    [knock] = events(guest, "knock")
    assert guest.emit("admit", {"id": knock["id"]}, callback=True) == {"status": "admitted"}
    assert join(knocker, "Kim")["status"] == "joined"


def test_cohost_stays_cohost_after_reconnecting(app, connect, host):
    """Does a co-host whose socket reconnects (same ticket) keep host powers for the meeting?"""
    browser = app.test_client()
    ticket = ticket_for(browser)
    guest_id = join(connect(browser, ticket), "Gina")["self"]
    host.emit("promote", {"id": guest_id}, callback=True)
    again = connect(browser, ticket)
    answer = join(again, "Gina")
    assert answer["host"] is True and answer["cohost"] is True


def test_removed_cohost_loses_powers(connect, host):
    """After a host makes a co-host a participant again, are their host events refused?"""
    guest, other = connect(), connect()
    guest_id = join(guest, "Gina")["self"]
    other_id = join(other, "Otto")["self"]
    host.emit("promote", {"id": guest_id}, callback=True)
    assert host.emit("demote", {"id": guest_id}, callback=True) == {"status": "demoted"}
    assert events(other, "role")[-1]["cohost"] is False
    assert "Only the room's host" in guest.emit("mute", {"id": other_id}, callback=True)["error"]
    assert "Only the room's host" in guest.emit("lock", {"locked": True}, callback=True)["error"]


def test_cohosts_cannot_demote_the_owner(app, connect, host):
    """Can a co-host not strip the owner of hosting?"""
    guest = connect()
    guest_id = join(guest, "Gina")["self"]
    host.emit("promote", {"id": guest_id}, callback=True)
    with app.app_context():
        room = db.session.scalar(sa.select(Room))
        owner_id = next(p["id"] for p in app.extensions["parlor_presence"].members(room.id) if p["name"] == "Host")
    assert "Only co-hosts" in guest.emit("demote", {"id": owner_id}, callback=True)["error"]


def test_leaving_host_hands_over_to_the_longest_present_cohost(connect, host):
    """When the host leaves, does the co-host who joined first (not who was promoted first) host, announced to all?"""
    early, late, watcher = connect(), connect(), connect()
    early_id = join(early, "Early")["self"]
    late_id = join(late, "Late")["self"]
    join(watcher, "Watcher")
    host.emit("promote", {"id": late_id}, callback=True)
    host.emit("promote", {"id": early_id}, callback=True)
    watcher.get_received()
    host.emit("leave", {}, callback=True)
    [handover] = [r for r in events(watcher, "role") if r["reason"] == "handover"]
    assert handover["id"] == early_id and handover["cohost"] is False and handover["by"] == "Host"


def test_next_host_is_the_longest_present_cohost():
    """Is the next host the co-host with the earliest arrival, whatever the list order?"""
    members = [
        {"id": "b", "host": True, "cohost": True, "since": 20},
        {"id": "g", "host": False, "cohost": False, "since": 1},
        {"id": "a", "host": True, "cohost": True, "since": 10},
    ]
    assert next_host(members)["id"] == "a"


def test_no_hand_over_while_a_host_remains():
    """While the owner (or a host-link holder) is still in, does nobody take over?"""
    members = [{"id": "o", "host": True, "cohost": False, "since": 30}, {"id": "a", "host": True, "cohost": True}]
    assert next_host(members) is None


def test_no_hand_over_without_cohosts():
    """With no co-hosts left, does hosting stay empty instead of going to a guest?"""
    assert next_host([{"id": "g", "host": False, "cohost": False, "since": 1}]) is None


# -- microphones and cameras


def test_host_mute_reaches_only_the_target_with_who_did_it(connect, host):
    """Is the muted person told who muted them (mic and camera), and nobody else told anything?"""
    guest, other = connect(), connect()
    guest_id = join(guest, "Gina")["self"]
    join(other, "Otto")
    other.get_received()
    assert host.emit("mute", {"id": guest_id}, callback=True) == {"status": "asked"}
    assert host.emit("stop-camera", {"id": guest_id}, callback=True) == {"status": "asked"}
    assert events(guest, "host-muted") == [{"kind": "audio", "by": "Host"}, {"kind": "video", "by": "Host"}]
    assert events(other, "host-muted") == []


def test_mute_everyone_spares_the_host(connect, host):
    """Does "mute everyone" reach every other participant, and not the host who asked?"""
    guests = [connect() for _ in range(2)]
    for index, guest in enumerate(guests):
        join(guest, f"G{index}")
    host.get_received()
    assert host.emit("mute-all", {}, callback=True) == {"status": "asked"}
    for guest in guests:
        assert events(guest, "host-muted") == [{"kind": "audio", "by": "Host"}]
    assert events(host, "host-muted") == []


# -- the waiting queue


def knockers(app, connect, names):
    sockets = []
    for name in names:
        socket = connect()
        socket.emit("knock", {"name": name}, callback=True)
        sockets.append(socket)
    return sockets


def test_hosts_see_knockers_in_order_with_their_wait(app, connect, host):
    """Does the waiting list give knockers in arrival order, each with seconds waited?"""
    lock_room(app)
    knockers(app, connect, ["First", "Second", "Third"])
    answer = host.emit("waiting", {}, callback=True)
    assert [k["name"] for k in answer["knocks"]] == ["First", "Second", "Third"]
    assert all(isinstance(k["waited"], int) and k["waited"] >= 0 for k in answer["knocks"])


def test_admit_everyone_lets_all_waiting_in(app, connect, host):
    """Does "let everyone in" admit each knocker, who then joins?"""
    lock_room(app)
    waiting = knockers(app, connect, ["Ann", "Ben"])
    assert host.emit("admit-all", {}, callback=True) == {"status": "admitted", "count": 2}
    for socket, name in zip(waiting, ["Ann", "Ben"], strict=True):
        assert received(socket, "knock-result") == [{"admitted": True}]
        assert join(socket, name)["status"] == "joined"
    assert host.emit("waiting", {}, callback=True) == {"knocks": []}


def test_deny_everyone_keeps_all_waiting_out(app, connect, host):
    """Does "deny everyone" tell each knocker no, and keep them out?"""
    lock_room(app)
    waiting = knockers(app, connect, ["Ann", "Ben"])
    assert host.emit("deny-all", {}, callback=True)["count"] == 2
    for socket in waiting:
        assert received(socket, "knock-result") == [{"admitted": False}]
        assert join(socket, "Nope") == {"status": "locked"}


def test_knocker_hears_no_host_is_here_then_that_one_arrived(app, auth, room, connect):
    """With nobody able to admit, is the knocker told so, and told again when a host arrives?"""
    lock_room(app)
    knocker = connect()
    assert knocker.emit("knock", {"name": "Kim"}, callback=True) == {"status": "waiting", "host_here": False}
    auth.login("host@example.com")
    join(connect(auth.client), "Host")
    assert received(knocker, "host-here") == [{}]


def test_knocker_hears_when_the_last_host_leaves(app, connect, host):
    """When the only host leaves, is the person waiting told nobody can let them in now?"""
    lock_room(app)
    knocker = connect()
    assert knocker.emit("knock", {"name": "Kim"}, callback=True)["host_here"] is True
    host.emit("leave", {}, callback=True)
    assert received(knocker, "host-gone") == [{}]


def test_host_link_holder_need_not_knock(app, room, connect):
    """Does a host-link holder walk into a locked room without knocking?"""
    lock_room(app)
    browser = app.test_client()
    socket = socketio.test_client(app, flask_test_client=browser, auth={"ticket": ticket_for(browser, host_link(app))})
    assert join(socket, "Linked")["status"] == "joined"
    socket.disconnect()
