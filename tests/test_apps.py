"""Apps in a meeting: the server relays what to open and where a video is, checks it, keeps nothing."""

import logging

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.rooms.models import Room

from .support.accounts import csrf_token
from .support.sockets import events, join

pytestmark = pytest.mark.socketio

VIDEO = {"service": "youtube", "content": "M7lc1UVf-VE"}


def set_plan(app, plan):
    with app.app_context():
        db.session.execute(sa.update(User).where(User.email == "host@example.com").values(plan=plan))
        db.session.commit()


def room_apps(app):
    with app.app_context():
        return db.session.scalar(sa.select(Room.apps).where(Room.name == "meet-here"))


@pytest.fixture
def paid(app, room):
    set_plan(app, "pro")
    return room


@pytest.fixture
def meeting(paid, host_client, connect):
    host, guest, other = connect(host_client), connect(), connect()
    sockets = {"host": host, "guest": guest, "other": other}
    ids = {name: join(socket, name.title())["self"] for name, socket in sockets.items()}
    for socket in (host, guest, other):
        socket.get_received()
    return host, guest, other, ids


def test_opening_reaches_the_others_stamped_with_the_opener(meeting):
    """Does "open this video" reach everyone else with the opener's real id, and not echo back?"""
    host, guest, other, ids = meeting
    assert guest.emit("app-open", dict(VIDEO, by="forged"), callback=True) == {"status": "ok"}
    assert events(other, "app-open") == [dict(VIDEO, by=ids["guest"])]
    assert events(host, "app-open") == [dict(VIDEO, by=ids["guest"])]
    assert events(guest, "app-open") == []


@pytest.mark.parametrize(
    "payload",
    [
        {"service": "vimeo", "content": "76979871"},
        {"service": "youtube", "content": "javascript:alert(1)"},
        {"service": "youtube", "content": "https://evil.example/embed"},
        {"service": "google", "content": "document/../../evil"},
        {"service": "miro", "content": "<script>"},
        {"service": "youtube", "content": 11},
        {"service": "youtube"},
    ],
)
def test_anything_but_an_allowed_service_and_id_is_refused(meeting, payload):
    """Is a service we don't embed, or an id that isn't one, refused and relayed to nobody?"""
    _, guest, other, _ = meeting
    assert "error" in guest.emit("app-open", payload, callback=True)
    assert events(other, "app-open") == []


def test_rooms_without_apps_refuse_them(app, room, host_client, connect):
    """In a free room (apps off by default), is opening an app refused?"""
    guest, other = connect(), connect()
    join(guest, "Guest")
    join(other, "Other")
    assert "switched off" in guest.emit("app-open", VIDEO, callback=True)["error"]
    assert events(other, "app-open") == []


def test_the_owner_can_turn_apps_on_for_a_free_room(app, room, host_client, connect):
    """Does the owner's "Turn apps on" on /user/rooms make a free room's meetings allow apps?"""
    response = host_client.post(
        "/user/rooms/meet-here/apps", data={"csrf_token": csrf_token(host_client, "/user/rooms"), "apps": "1"}
    )
    assert response.status_code == 302 and room_apps(app) is True
    guest = connect()
    join(guest, "Guest")
    assert guest.emit("app-open", VIDEO, callback=True) == {"status": "ok"}


def test_only_the_owner_may_change_the_apps_setting(app, room, auth, make_user):
    """Is another account's attempt to switch apps on refused, and the setting unchanged?"""
    make_user("mallory@example.com")
    auth.login("mallory@example.com")
    response = auth.client.post(
        "/user/rooms/meet-here/apps", data={"csrf_token": csrf_token(auth.client, "/user/rooms"), "apps": "1"}
    )
    assert response.status_code == 403 and room_apps(app) is None


def test_apps_setting_needs_csrf(app, room, host_client):
    """Is a forged cross-site switch refused?"""
    assert host_client.post("/user/rooms/meet-here/apps", data={"apps": "1"}).status_code == 400
    assert room_apps(app) is None


def test_host_can_stop_others_opening_apps(meeting):
    """After a host's stop, is a guest's open refused while the host's own still goes through?"""
    host, guest, other, _ = meeting
    assert host.emit("apps-lock", {"locked": True}, callback=True) == {"status": "ok", "locked": True}
    assert events(guest, "apps-locked") == [{"locked": True}]
    assert "stopped others" in guest.emit("app-open", VIDEO, callback=True)["error"]
    assert host.emit("app-open", VIDEO, callback=True) == {"status": "ok"}


def test_a_guest_cannot_stop_others_opening_apps(meeting):
    """Is a guest's attempt to lock apps refused and announced to nobody?"""
    host, guest, _, _ = meeting
    assert "Only a host" in guest.emit("apps-lock", {"locked": True}, callback=True)["error"]
    assert events(host, "apps-locked") == []


def test_the_stop_leaves_with_the_host(meeting):
    """When the host who stopped apps leaves, are they open to everyone again, and told so?"""
    host, guest, _, _ = meeting
    host.emit("apps-lock", {"locked": True}, callback=True)
    host.emit("leave", callback=True)
    assert events(guest, "apps-locked")[-1] == {"locked": False}
    assert guest.emit("app-open", VIDEO, callback=True) == {"status": "ok"}


def test_a_joiner_learns_whether_apps_are_stopped(meeting, connect):
    """Does someone joining while apps are stopped learn it in their join answer?"""
    host, _, _, _ = meeting
    host.emit("apps-lock", {"locked": True}, callback=True)
    assert join(connect(), "Late")["apps_locked"] is True


def test_player_controls_are_relayed_with_a_checked_position(meeting):
    """Are play, pause and seek relayed with the position, and nonsense positions refused?"""
    _, guest, other, ids = meeting
    assert guest.emit("app-control", {"action": "seek", "position": 42.5}, callback=True) == {"status": "ok"}
    assert events(other, "app-control") == [{"action": "seek", "position": 42.5, "by": ids["guest"]}]
    bad_controls = (
        {"action": "explode", "position": 1},
        {"action": "play", "position": -1},
        {"action": "play", "position": True},
    )
    for bad in bad_controls:
        assert "error" in guest.emit("app-control", bad, callback=True)
    assert events(other, "app-control") == []


def test_a_joiners_answer_goes_to_them_alone(meeting):
    """Is "here is what's open" delivered only to the person who asked?"""
    host, guest, other, ids = meeting
    assert other.emit("app-ask", {}, callback=True) == {"status": "ok"}
    assert events(host, "app-ask") == [{"by": ids["other"]}]
    answer = dict(VIDEO, to=ids["other"], position=12.0, playing=True)
    assert host.emit("app-state", answer, callback=True) == {"status": "ok"}
    assert events(other, "app-state") == [dict(VIDEO, position=12.0, playing=True, by=ids["host"])]
    assert events(guest, "app-state") == []


def test_answers_reach_only_people_in_the_meeting(meeting, connect):
    """Can an app state be aimed at someone who is not in the meeting (or at oneself)?"""
    host, _, _, ids = meeting
    outsider = connect()
    for to in ("nobody-here", ids["host"]):
        assert "error" in host.emit("app-state", dict(VIDEO, to=to, position=0, playing=False), callback=True)
    assert events(outsider, "app-state") == []


def test_a_socket_that_never_joined_can_do_nothing(paid, connect, meeting):
    """Can a connected socket that never joined open apps or ask for the state?"""
    _, _, other, _ = meeting
    lurker = connect()
    assert "Join the meeting first" in lurker.emit("app-open", VIDEO, callback=True)["error"]
    assert "Join the meeting first" in lurker.emit("app-ask", {}, callback=True)["error"]
    assert events(other, "app-open") == [] and events(other, "app-ask") == []


def test_nothing_about_apps_is_logged(meeting, caplog):
    """Does the server's log hold no trace of what was opened?"""
    _, guest, _, _ = meeting
    with caplog.at_level(logging.DEBUG):
        guest.emit("app-open", VIDEO, callback=True)
        guest.emit("app-control", {"action": "seek", "position": 3}, callback=True)
    assert VIDEO["content"] not in caplog.text


def test_room_page_frames_app_origins_only_when_apps_are_on(app, room, paid):
    """Does the room page's CSP allow the apps' embed origins only in rooms with apps on?"""
    client = app.test_client()
    policy = client.get("/meet-here").headers["Content-Security-Policy"]
    assert "frame-src https://docs.google.com https://drive.google.com https://miro.com" in policy
    assert "https://www.youtube-nocookie.com" in policy
    set_plan(app, "free")
    policy = client.get("/meet-here").headers["Content-Security-Policy"]
    assert "frame-src 'none'" in policy and "youtube" not in policy
    assert "frame-src 'none'" in client.get("/").headers["Content-Security-Policy"]
