"""Team rooms: members host them, members-only rooms make everyone else knock, leaving loses them."""

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.rooms.models import Room

from .support.orgs import membership_id, post
from .support.sockets import events, join, ticket_for

pytestmark = pytest.mark.socketio


@pytest.fixture
def standup(app, acme, sign_in):
    """acme-standup, members only, made by Acme's admin on /org/acme/rooms."""
    admin = sign_in("admin@example.com")
    page = admin.get("/org/acme/rooms").get_data(as_text=True)
    assert '<label for="name">Room name</label>' in page and "Members only" in page
    response = post(admin, "/org/acme/rooms", "/org/acme/rooms", name="standup", members_only="y")
    assert response.status_code == 302, response.get_data(as_text=True)
    return "acme-standup"


def test_team_room_lives_inside_the_room_name_rules(app, standup):
    """Is the team room at /<slug>-<room>, owned by the organisation, on Business limits?"""
    with app.app_context():
        room = db.session.scalar(sa.select(Room).where(Room.name == standup))
        assert room.org_id is not None and room.members_only and room.plan_key == "business"


def test_bad_team_room_names_are_refused(app, acme, sign_in):
    """Are names outside the rules refused with the rule, and nothing made?"""
    admin = sign_in("admin@example.com")
    response = post(admin, "/org/acme/rooms", "/org/acme/rooms", name="Bad Name!")
    assert response.status_code == 400 and "lowercase letters" in response.get_data(as_text=True)


def test_any_member_hosts_a_team_room(app, standup, sign_in, connect):
    """Does a plain member walk into a members-only team room as its host?"""
    member = sign_in("member@example.com")
    assert 'data-host="true"' in member.get(f"/{standup}").get_data(as_text=True)
    answer = join(connect(member, ticket_for(member, standup), room=standup), "Mia")
    assert answer["status"] == "joined" and answer["host"] is True


def test_others_knock_on_a_members_only_room_and_a_member_admits_them(app, standup, sign_in, connect, make_user):
    """Must a signed-out visitor and a signed-in outsider knock, and can a member let them in?"""
    member = sign_in("member@example.com")
    host = connect(member, ticket_for(member, standup), room=standup)
    join(host, "Mia")
    visitor_browser = app.test_client()
    visitor = connect(visitor_browser, ticket_for(visitor_browser, standup), room=standup)
    assert join(visitor, "Val") == {"status": "locked"}
    make_user("outsider@example.com")
    outsider_browser = sign_in("outsider@example.com")
    outsider = connect(outsider_browser, ticket_for(outsider_browser, standup), room=standup)
    assert join(outsider, "Otto") == {"status": "locked"}
    visitor.emit("knock", {"name": "Val"}, callback=True)
    [knock] = events(host, "knock")
    assert host.emit("admit", {"id": knock["id"]}, callback=True) == {"status": "admitted"}
    assert join(visitor, "Val")["status"] == "joined"


def test_open_team_room_lets_visitors_in(app, acme, sign_in, connect):
    """Does a team room without Members only let anyone with the link join?"""
    post(sign_in("admin@example.com"), "/org/acme/rooms", "/org/acme/rooms", name="lobby")
    visitor = app.test_client()
    answer = join(connect(visitor, ticket_for(visitor, "acme-lobby"), room="acme-lobby"), "Val")
    assert answer["status"] == "joined" and answer["host"] is False


def test_leaving_loses_team_rooms_and_keeps_own_rooms(app, standup, sign_in, connect):
    """After leaving, does a former member knock on team rooms while their own room stays theirs?"""
    member = sign_in("member@example.com")
    post(member, "/user/rooms", "/user/rooms", name="mias-room")
    socket = connect(member, ticket_for(member, standup), room=standup)
    assert join(socket, "Mia")["host"] is True
    post(member, "/org/acme/leave", "/org/acme/members")
    assert socket.emit("lock", {"locked": True}, callback=True).get("error")  # host powers ended at once
    again = connect(member, ticket_for(member, standup), room=standup)
    assert join(again, "Mia") == {"status": "locked"}
    with app.app_context():
        assert db.session.scalar(sa.select(Room.org_id).where(Room.name == "mias-room")) is None
    assert "mias-room" in member.get("/user/rooms").get_data(as_text=True)


def test_removed_member_stops_hosting_in_the_meeting(app, standup, sign_in, connect):
    """Does removing a member take their host powers in a meeting they are already in?"""
    member = sign_in("member@example.com")
    socket = connect(member, ticket_for(member, standup), room=standup)
    join(socket, "Mia")
    owner = sign_in("owner@example.com")
    post(owner, f"/org/acme/members/{membership_id(app, 'member@example.com')}/remove", "/org/acme/members")
    assert "Only the room's host" in socket.emit("lock", {"locked": True}, callback=True)["error"]


def test_team_rooms_follow_the_owner(app, standup, sign_in):
    """When ownership moves, are team rooms filed under the new owner rather than deleted with the old?"""
    owner = sign_in("owner@example.com")
    post(owner, f"/org/acme/members/{membership_id(app, 'admin@example.com')}/owner", "/org/acme/members")
    post(owner, "/org/acme/leave", "/org/acme/members")
    with app.app_context():
        room = db.session.scalar(sa.select(Room).where(Room.name == standup))
        assert room.owner.email == "admin@example.com"
