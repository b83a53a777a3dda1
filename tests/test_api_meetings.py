"""Meetings through /v1: what a creation answers, end dates, pages, idempotency, and the end of a meeting."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.api.models import IdempotencyRecord, Meeting
from app.auth.models import User
from app.extensions import db
from app.plans import AUTO, LARGE
from app.rooms.models import Room

from .support.api import end_in
from .support.sockets import join, ticket_for


def rooms(app):
    with app.app_context():
        return {room.name: room for room in db.session.scalars(sa.select(Room)).all()}


def test_create_answers_with_the_requested_fields(app, api):
    """Does POST /v1/meetings answer 201 with the room's links, host link included when asked?"""
    response = api.post("/meetings", json={"endDate": end_in(), "fields": ["hostRoomUrl", "viewerRoomUrl"]})
    assert response.status_code == 201
    meeting = response.get_json()
    assert set(meeting) == {"meetingId", "roomName", "roomUrl", "startDate", "endDate", "hostRoomUrl", "viewerRoomUrl"}
    name = meeting["roomName"].lstrip("/")
    room = rooms(app)[name]
    assert meeting["roomUrl"].endswith(f"/{name}") and meeting["viewerRoomUrl"] == meeting["roomUrl"]
    assert meeting["hostRoomUrl"] == f"{meeting['roomUrl']}?host={room.host_key}"
    assert response.headers["Location"] == f"/v1/meetings/{meeting['meetingId']}"


def test_fields_are_left_out_unless_asked(api):
    """Are hostRoomUrl and viewerRoomUrl left out of a creation's answer when not asked for?"""
    assert set(api.create_meeting()) == {"meetingId", "roomName", "roomUrl", "startDate", "endDate"}


def test_host_link_hosts_the_meeting(app, client, api):
    """Does opening hostRoomUrl make the visitor a host of the meeting's room?"""
    meeting = api.create_meeting(fields=["hostRoomUrl"], isLocked=True)
    path = meeting["hostRoomUrl"].split("localhost", 1)[1]
    page = client.get(path).get_data(as_text=True)
    assert "Your room" in page


@pytest.mark.parametrize(
    ("fields", "pattern"),
    [
        ({}, r"[0-9a-f]{32}"),
        ({"roomNamePattern": "uuid", "roomNamePrefix": "acme"}, r"acme-[0-9a-f]{32}"),
        ({"roomNamePattern": "human-short"}, r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}"),
        ({"roomNamePattern": "human-short", "roomNamePrefix": "support-desk"}, r"support-desk-[a-z2-9-]{14}"),
    ],
)
def test_room_names_follow_the_pattern_and_prefix(api, fields, pattern):
    """Do room names follow roomNamePattern and start with roomNamePrefix?"""
    assert re.fullmatch(f"/{pattern}", api.create_meeting(**fields)["roomName"])


@pytest.mark.parametrize("prefix", ["toolongprefix", "parlor-admin", "fuck"])
def test_unusable_prefixes_are_refused(api, prefix):
    """Is a prefix that is too long for the pattern, or breaks the room-name rules, refused naming the field?"""
    response = api.post("/meetings", json={"endDate": end_in(), "roomNamePrefix": prefix})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "roomNamePrefix"


def test_lock_and_modes_follow_the_request(app, api):
    """Do isLocked and roomMode set the room: normal follows the plan's default, group goes through a node?"""
    normal = api.create_meeting(isLocked=True)["roomName"].lstrip("/")
    group = api.create_meeting(roomMode="group")["roomName"].lstrip("/")
    found = rooms(app)
    assert found[normal].locked and found[normal].mode == AUTO
    assert not found[group].locked and found[group].mode == LARGE


def test_api_meetings_do_not_use_up_the_plans_rooms(app, api, auth):
    """Do API meetings stay off /user/rooms and leave the plan's own room free to claim?"""
    for _ in range(3):
        api.create_meeting()
    auth.login("dev@example.com")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', auth.client.get("/user/rooms").text)
    response = auth.client.post("/user/rooms", data={"csrf_token": token.group(1), "name": "my-own-room"})
    assert response.status_code == 302
    page = auth.client.get("/user/rooms").get_data(as_text=True)
    assert "my-own-room" in page and "Read-only" not in page
    assert page.count('class="card room-card"') == 1


@pytest.mark.parametrize(
    ("end_date", "message"),
    [
        (None, "endDate"),
        ("2020-01-01T00:00:00Z", "in the future"),
        ("past", "in the future"),
        ("too-far", "at most a year"),
    ],
)
def test_end_date_rules(api, clock, end_date, message):
    """Is endDate required, in the future and at most a year ahead?"""
    body = {}
    if end_date == "past":
        body["endDate"] = end_in(-timedelta(seconds=1))
    elif end_date == "too-far":
        body["endDate"] = end_in(timedelta(days=366))
    elif end_date is not None:
        body["endDate"] = end_date
    response = api.post("/meetings", json=body)
    error = response.get_json()["error"]
    assert response.status_code == 422 and error["field"] == "endDate" and message in error["message"]


def test_end_date_offsets_are_honoured(app, api, clock):
    """Is an endDate with an offset stored as the same moment in UTC?"""
    meeting = api.create_meeting(endDate="2026-11-30T15:30:00+02:00")
    assert meeting["endDate"] == "2026-11-30T13:30:00Z"


def test_list_pages_with_a_cursor(api):
    """Does GET /v1/meetings page through every meeting once, newest first?"""
    made = [api.create_meeting()["meetingId"] for _ in range(5)]
    seen, cursor = [], None
    while True:
        page = api.get("/meetings", query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [m["meetingId"] for m in page["results"]]
        cursor = page["cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


@pytest.mark.parametrize("query", [{"limit": 0}, {"limit": 101}, {"limit": "ten"}, {"cursor": "abc"}, {"sort": "x"}])
def test_bad_list_parameters_are_refused(api, query):
    """Are bad limits, cursors and unknown parameters refused with 400 naming them?"""
    response = api.get("/meetings", query_string=query)
    assert response.status_code == 400 and response.get_json()["error"]["field"] == next(iter(query))


def test_delete_removes_the_room(app, api):
    """Does DELETE remove the meeting and its room, so its links stop working?"""
    meeting = api.create_meeting()
    assert api.delete(f"/meetings/{meeting['meetingId']}").status_code == 204
    assert api.get(f"/meetings/{meeting['meetingId']}").status_code == 404
    assert rooms(app) == {}


def test_same_idempotency_key_and_body_give_the_same_meeting(app, api):
    """Does a repeated POST with the same Idempotency-Key and body answer with the same meeting, making one room?"""
    body = {"endDate": end_in(), "fields": ["hostRoomUrl"]}
    first = api.post("/meetings", json=body, headers={"Idempotency-Key": "order-42"})
    again = api.post("/meetings", json=dict(reversed(list(body.items()))), headers={"Idempotency-Key": "order-42"})
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert len(rooms(app)) == 1


def test_same_idempotency_key_with_another_body_conflicts(app, api):
    """Is the same Idempotency-Key with a different body refused with 409, making no room?"""
    assert api.post("/meetings", json={"endDate": end_in()}, headers={"Idempotency-Key": "k"}).status_code == 201
    response = api.post("/meetings", json={"endDate": end_in(), "isLocked": True}, headers={"Idempotency-Key": "k"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "idempotency_key_reused"
    assert len(rooms(app)) == 1


def test_idempotency_keys_belong_to_one_api_key(app, api, other_api):
    """Does another account's key using the same Idempotency-Key get its own meeting?"""
    body = {"endDate": end_in()}
    mine = api.post("/meetings", json=body, headers={"Idempotency-Key": "k"}).get_json()
    theirs = other_api.post("/meetings", json=body, headers={"Idempotency-Key": "k"}).get_json()
    assert mine["meetingId"] != theirs["meetingId"]


def test_idempotency_keys_expire_after_a_day(app, api, clock, runner):
    """After a day, does the same Idempotency-Key make a new meeting, and does `flask purge` drop the old answer?"""
    body = {"endDate": end_in(timedelta(days=3))}
    first = api.post("/meetings", json=body, headers={"Idempotency-Key": "k"}).get_json()
    clock.advance(timedelta(days=1, minutes=1))
    runner.invoke(args=["purge"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(IdempotencyRecord)) == 0
    again = api.post("/meetings", json=body, headers={"Idempotency-Key": "k"}).get_json()
    assert again["meetingId"] != first["meetingId"]


@pytest.mark.socketio
def test_ended_meeting_refuses_joins(app, api, clock, connect):
    """After its endDate, does the room's lobby say so and does the join path refuse?"""
    meeting = api.create_meeting(endDate=end_in(timedelta(minutes=30)))
    name = meeting["roomName"].lstrip("/")
    visitor = app.test_client()
    ticket = ticket_for(visitor, name)
    assert join(connect(visitor, ticket=ticket, room=name))["status"] == "joined"
    clock.advance(timedelta(minutes=31))
    page = visitor.get(f"/{name}").get_data(as_text=True)
    assert "This meeting has ended" in page and 'id="join-form"' not in page
    late = app.test_client()
    answer = join(connect(late, ticket=ticket_for(late, name), room=name))
    assert answer["status"] == "ended"


def test_purge_deletes_ended_meetings_only(app, api, clock, runner):
    """Does `flask purge` delete the rooms of ended meetings, and keep running ones and ordinary rooms?"""
    ended = api.create_meeting(endDate=end_in(timedelta(hours=1)))
    running = api.create_meeting(endDate=end_in(timedelta(days=2)))
    with app.app_context():
        owner = db.session.scalar(sa.select(User))
        db.session.add(Room(name="ordinary-room", owner=owner))
        db.session.commit()
    clock.advance(timedelta(hours=2))
    result = runner.invoke(args=["purge"])
    assert "Meetings made through the API, after their end date: deleted 1" in result.output
    assert set(rooms(app)) == {running["roomName"].lstrip("/"), "ordinary-room"}
    with app.app_context():
        assert db.session.scalars(sa.select(Meeting.public_id)).all() == [running["meetingId"]]
    assert api.get(f"/meetings/{ended['meetingId']}").status_code == 404
