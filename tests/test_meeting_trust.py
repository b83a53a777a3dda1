"""Membership nobody can evade, tried as an attacker would with raw Socket.IO clients."""

import pytest
import sqlalchemy as sa
from werkzeug.middleware.proxy_fix import ProxyFix

import config
from app import create_app
from app.auth.models import User
from app.extensions import db, socketio
from app.rooms import meetings
from app.rooms.connections import REPLACED
from app.rooms.models import Room

from .support.sockets import PUBLIC_KEY, join, received, ticket_for

pytestmark = pytest.mark.socketio


@pytest.fixture
def host(app, auth, room, connect):
    auth.login("host@example.com")
    socket = connect(auth.client)
    assert socket.emit("join", {"name": "Host", "key": PUBLIC_KEY}, callback=True)["status"] == "joined"
    return socket


def test_a_second_socket_on_one_ticket_replaces_the_first(app, connect, host):
    """Do two sockets on one ticket leave exactly one in the meeting, the old one told and cut off?"""
    browser = app.test_client()
    ticket = ticket_for(browser)
    first = connect(browser, ticket)
    me = join(first, "Mallory")["self"]
    second = connect(browser, ticket)
    assert not first.is_connected()
    assert second.emit("join", {"name": "Mallory", "key": PUBLIC_KEY}, callback=True)["self"] == me
    host.emit("chat", {"text": "secret"}, callback=True)
    assert [c["text"] for c in received(second, "chat")] == ["secret"]
    assert [p["id"] for p in received(host, "peer-left")] == [me]


def test_kicked_participant_receives_nothing_on_any_socket(app, connect, host):
    """After a kick, does nothing reach either of the two sockets that shared a ticket?"""
    browser = app.test_client()
    ticket = ticket_for(browser)
    first = connect(browser, ticket)
    second = connect(browser, ticket)
    me = join(second, "Mallory")["self"]
    assert host.emit("kick", {"id": me}, callback=True) == {"status": "removed"}
    host.emit("chat", {"text": "after the kick"}, callback=True)
    assert not first.is_connected() and not second.is_connected()
    assert [p["id"] for p in received(host, "peer-left")] == [me]
    with app.app_context():
        room = db.session.scalar(sa.select(Room))
        assert app.extensions["parlor_presence"].get(room.id, me) is None


def test_sockets_that_never_join_hear_nothing(connect, host):
    """Do connected but unjoined sockets (a full room's hidden listeners) receive no chat or peers?"""
    lurkers = [connect() for _ in range(3)]
    guests = [connect() for _ in range(3)]
    for index, guest in enumerate(guests):
        assert join(guest, f"G{index}")["status"] == "joined"
    host.emit("chat", {"text": "only for members"}, callback=True)
    for lurker in lurkers:
        assert lurker.get_received() == []
        assert "Join the meeting first" in lurker.emit("sfu", {}, callback=True)["error"]


def test_kicked_ticket_stops_working(app, connect, host):
    """Is the removed person's ticket refused from then on, even by a fresh socket?"""
    browser = app.test_client()
    ticket = ticket_for(browser)
    mallory = connect(browser, ticket)
    me = join(mallory, "Mallory")["self"]
    host.emit("kick", {"id": me}, callback=True)
    again = socketio.test_client(app, flask_test_client=browser, auth={"ticket": ticket})
    assert not again.is_connected()


def test_rejoin_after_kick_must_knock_and_can_be_refused(app, connect, host):
    """In an open room, must a kicked person knock with a new ticket, and does a denial keep them out?"""
    browser = app.test_client()
    me = join(connect(browser), "Mallory")["self"]
    host.emit("kick", {"id": me}, callback=True)
    returning = connect(browser)  # the same browser reloads the lobby for a new ticket
    assert join(returning, "Mallory") == {"status": "removed"}
    assert returning.emit("knock", {"name": "Mallory"}, callback=True) == {"status": "waiting", "host_here": True}
    knock = received(host, "knock")[-1]
    assert host.emit("deny", {"id": knock["id"]}, callback=True) == {"status": "denied"}
    assert received(returning, "knock-result") == [{"admitted": False}]
    assert join(returning, "Mallory") == {"status": "removed"}


def test_admitted_after_kick_may_return(app, connect, host):
    """Can a host let a removed person back in by admitting their knock?"""
    browser = app.test_client()
    me = join(connect(browser), "Mallory")["self"]
    host.emit("kick", {"id": me}, callback=True)
    returning = connect(browser)
    returning.emit("knock", {"name": "Mallory"}, callback=True)
    host.emit("admit", {"id": received(host, "knock")[-1]["id"]}, callback=True)
    assert join(returning, "Mallory")["status"] == "joined"


def test_kick_withdraws_admission_to_a_locked_room(app, connect, host):
    """Does a person admitted to a locked room, then kicked, have to knock again?"""
    host.emit("lock", {"locked": True}, callback=True)
    browser = app.test_client()
    visitor = connect(browser)
    assert join(visitor, "Vic") == {"status": "locked"}
    visitor.emit("knock", {"name": "Vic"}, callback=True)
    vic = received(host, "knock")[-1]["id"]
    host.emit("admit", {"id": vic}, callback=True)
    assert join(visitor, "Vic")["status"] == "joined"
    host.emit("kick", {"id": vic}, callback=True)
    assert join(connect(browser), "Vic") == {"status": "removed"}


def test_kick_bans_the_participant_on_the_node(app, connect, host, monkeypatch):
    """Does a kick tell the room's node to refuse the participant, and a plain leave not ban them?"""
    calls = []
    monkeypatch.setattr(meetings, "revoke_node_grant", lambda room, pid, ban, scope=None: calls.append((pid, ban)))
    leaver, kicked = connect(), connect()
    leaver_id, kicked_id = join(leaver, "Lee")["self"], join(kicked, "Kim")["self"]
    leaver.emit("leave", {}, callback=True)
    host.emit("kick", {"id": kicked_id}, callback=True)
    assert calls == [(kicked_id, True)]
    assert leaver_id not in [pid for pid, _ in calls]  # never asked for a node grant


def test_stale_participant_is_removed_announced_and_cut_off(app, connect, host):
    """Is a participant whose pings stopped announced gone, disconnected, and deaf to chat?"""
    ghost = connect()
    ghost_id = join(ghost, "Ghost")["self"]
    with app.app_context():
        room = db.session.scalar(sa.select(Room))
        app.extensions["parlor_presence"]._rooms[room.id][ghost_id]["seen"] -= 1000
    host.get_received()
    assert host.emit("presence", {}, callback=True) == {"status": "ok"}
    assert [p["id"] for p in received(host, "peer-left")] == [ghost_id]
    assert not ghost.is_connected()


def test_ticket_for_a_deleted_room_opens_no_later_room(app, auth, make_user, connect):
    """After delete and recreate under the same name, is an old host ticket refused, and the id new?"""
    with app.app_context():
        first = db.session.get(User, make_user("first@example.com"))
        db.session.add(Room(name="reused", owner=first))
        db.session.commit()
        old_id = db.session.scalar(sa.select(Room.id).where(Room.name == "reused"))
    auth.login("first@example.com")
    old_ticket = ticket_for(auth.client, "reused")
    with app.app_context():
        db.session.execute(sa.delete(Room).where(Room.id == old_id))
        db.session.commit()
    second_id = make_user("second@example.com")
    with app.app_context():
        db.session.add(Room(name="reused", owner=db.session.get(User, second_id)))
        db.session.commit()
        assert db.session.scalar(sa.select(Room.id).where(Room.name == "reused")) != old_id
        # Even if an id came back (another database, a restore), the room's key would not match.
        db.session.execute(sa.update(Room).where(Room.name == "reused").values(id=old_id))
        db.session.commit()
    stale = socketio.test_client(app, flask_test_client=auth.client, auth={"ticket": old_ticket})
    assert not stale.is_connected()


def test_host_rights_come_from_the_current_owner(app, auth, connect, room):
    """Is hosting decided from the room's owner at connection time, not from the lobby's say-so?"""
    auth.login("host@example.com")
    ticket = ticket_for(auth.client)
    with app.app_context():
        other = User(email="new-owner@example.com", plan="free")
        db.session.add(other)
        db.session.flush()
        db.session.execute(sa.update(Room).values(owner_id=other.id))
        db.session.commit()
    socket = connect(auth.client, ticket)
    assert join(socket, "Former owner")["host"] is False


def test_replaced_socket_is_refused_at_its_next_event(app, connect, host):
    """If a replacement's disconnect has not reached a socket yet, is its next event refused?"""
    first = connect()
    pid = join(first, "Mallory")["self"]
    with app.app_context():
        room = db.session.scalar(sa.select(Room))
        # A newer socket for the same participant claimed it on another worker.
        app.extensions["parlor_presence"].claim_socket(room.id, pid, "socket-on-another-worker")
    assert first.emit("chat", {"text": "still here?"}, callback=True) == {"error": REPLACED}
    assert not first.is_connected()
    assert received(host, "chat") == []


def test_socket_io_sees_the_client_address_behind_a_proxy(monkeypatch, app):
    """With TRUSTED_PROXIES, does ProxyFix wrap Socket.IO's middleware too (placement sees the client)?"""
    monkeypatch.setenv("TRUSTED_PROXIES", "1")

    class Proxied(config.TestingConfig):
        SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]

    proxied = create_app(Proxied)
    assert isinstance(proxied.wsgi_app, ProxyFix)
    assert type(proxied.wsgi_app.app).__name__ == "_SocketIOMiddleware"
