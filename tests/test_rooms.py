import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image

from app.account.services import set_avatar
from app.auth.models import User
from app.extensions import db
from app.plans import LARGE, LARGE_MEETING_LIMIT, SMALL, SMALL_MEETING_LIMIT
from app.rooms.models import Room
from app.rooms.names import InvalidRoomName, check_room_name

from .support.accounts import csrf_token


@pytest.fixture
def owner(auth):
    auth.signup("olga@example.com", display_name="Olga")
    return auth


def claim(client, name):
    return client.post("/user/rooms", data={"csrf_token": csrf_token(client, "/user/rooms"), "name": name})


def rooms(app):
    with app.app_context():
        return {r.name: r for r in db.session.scalars(sa.select(Room).options(sa.orm.joinedload(Room.owner)))}


@pytest.mark.parametrize("name", ["team-standup", "abc", "a1b2c3", "x" * 40, "design-crit-2026"])
def test_good_names_pass(name):
    """Are well-formed, decent names accepted?"""
    check_room_name(name)


@pytest.mark.parametrize(
    "name,reason",
    [
        ("ab", "3 to 40"),
        ("x" * 41, "3 to 40"),
        ("Team", "lowercase"),
        ("team_room", "lowercase"),
        ("-team", "starting and ending"),
        ("team-", "starting and ending"),
        ("team--room", "single hyphens"),
        ("my room", "lowercase"),
        ("rööm", "lowercase"),
        ("information", "reserved"),
        ("user", "reserved"),
        ("support", "reserved"),
        ("api", "reserved"),
        ("admin", "reserved"),
        ("stripe", "reserved"),
        ("sitemap", "reserved"),
        ("healthz", "reserved"),
        ("parlor-support", "Parlor's own staff"),
        ("official-parlor", "Parlor's own staff"),
        ("parlor-admin-room", "Parlor's own staff"),
        ("fuck-mondays", "terms of service"),
        ("shit", "terms of service"),
        ("bigfuckingroom", "terms of service"),
        ("nazi-club", "terms of service"),
    ],
)
def test_bad_names_are_refused(name, reason):
    """Are malformed, reserved, impersonating and profane names refused with a plain message?"""
    with pytest.raises(InvalidRoomName, match=reason):
        check_room_name(name)


def test_every_first_path_segment_is_reserved(app):
    """Is every first path segment the app routes reserved as a room name?"""
    from app.rooms.names import RESERVED

    segments = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules()} - {"", "<room_name>"}
    assert segments <= RESERVED


def test_claim_a_room(client, app, owner):
    """Can a signed-in person claim a free name, and see its link?"""
    response = claim(client, "  Olga-Office ")
    assert response.status_code == 302
    assert "olga-office" in rooms(app)
    assert "/olga-office" in client.get("/user/rooms").get_data(as_text=True)


def test_taken_name_is_refused(client, app, owner, make_user):
    """Is a name someone else holds refused with a plain message?"""
    with app.app_context():
        from app.auth.models import User

        other = db.session.get(User, make_user("pete@example.com"))
        db.session.add(Room(name="taken-room", owner=other))
        db.session.commit()
    response = claim(client, "taken-room")
    assert response.status_code == 400
    assert "already taken" in response.get_data(as_text=True)
    assert rooms(app)["taken-room"].owner.email == "pete@example.com"


def test_reserved_name_form_message(client, app, owner):
    """Does the form show why a reserved name cannot be claimed?"""
    response = claim(client, "pricing")
    assert response.status_code == 400
    assert "reserved" in response.get_data(as_text=True)
    assert rooms(app) == {}


def test_free_plan_has_one_room(client, app, owner):
    """Does the free plan stop at one room?"""
    assert claim(client, "first-room").status_code == 302
    response = claim(client, "second-room")
    assert response.status_code == 400
    assert "includes 1 room" in response.get_data(as_text=True)
    assert set(rooms(app)) == {"first-room"}


def test_pro_plan_limit_comes_from_the_plans(client, app, owner):
    """Does a Pro account get exactly the rooms the plan table gives it?"""
    from app.auth.models import User
    from app.plans import PLANS

    with app.app_context():
        db.session.execute(sa.update(User).values(plan="pro"))
        db.session.commit()
    for index in range(PLANS["pro"].max_rooms):
        assert claim(client, f"pro-room-{index}").status_code == 302
    assert claim(client, "one-too-many").status_code == 400


def test_claiming_needs_login(client):
    """Must people sign in before claiming a room?"""
    response = client.post("/user/rooms", data={"name": "abc"})
    assert response.status_code in (302, 400)
    assert client.get("/user/rooms?name=abc").headers["Location"].startswith("/user/login")


@pytest.fixture
def others_room(app, make_user):
    from app.auth.models import User

    with app.app_context():
        other = db.session.get(User, make_user("pete@example.com"))
        db.session.add(Room(name="petes-room", owner=other))
        db.session.commit()
    return "petes-room"


@pytest.mark.parametrize("action", ["lock", "delete", "rename"])
def test_only_the_owner_can_change_a_room(client, app, owner, others_room, action):
    """Does another user get 403 for lock, delete and rename, with nothing changed?"""
    response = client.post(
        f"/user/rooms/{others_room}/{action}",
        data={"csrf_token": csrf_token(client, "/user/rooms"), "locked": "1", "name": "mine-now"},
    )
    assert response.status_code == 403
    room = rooms(app)[others_room]
    assert not room.locked


def test_actions_on_a_missing_room_are_404(client, owner):
    """Do actions on a room that does not exist answer 404?"""
    response = client.post("/user/rooms/no-such-room/lock", data={"csrf_token": csrf_token(client, "/user/rooms")})
    assert response.status_code == 404


def test_owner_locks_renames_and_deletes(client, app, owner):
    """Can the owner lock, unlock, rename and delete their room?"""
    claim(client, "olga-room")
    token = csrf_token(client, "/user/rooms")
    client.post("/user/rooms/olga-room/lock", data={"csrf_token": token, "locked": "1"})
    assert rooms(app)["olga-room"].locked
    client.post("/user/rooms/olga-room/lock", data={"csrf_token": token, "locked": "0"})
    assert not rooms(app)["olga-room"].locked
    client.post("/user/rooms/olga-room/rename", data={"csrf_token": token, "name": "olga-new"})
    assert set(rooms(app)) == {"olga-new"}
    response = client.post("/user/rooms/olga-new/rename", data={"csrf_token": token, "name": "support"})
    assert response.status_code == 400 and set(rooms(app)) == {"olga-new"}
    client.post("/user/rooms/olga-new/delete", data={"csrf_token": token})
    assert rooms(app) == {}


def test_lobby_of_a_room(client, owner):
    """Does the room's link show the lobby with preview, name field, join button and steps?"""
    claim(client, "olga-room")
    html = client.get("/olga-room").get_data(as_text=True)
    assert 'id="preview"' in html and 'id="camera-select"' in html and 'id="microphone-select"' in html
    assert 'value="Olga"' in html  # prefilled for the signed-in owner
    assert "Join meeting" in html and "Getting camera and microphone" in html
    assert 'data-host="true"' in html and 'data-ticket="' in html


def test_visitor_sees_the_lobby_without_host_rights(app, client, owner):
    """Does a visitor get a lobby too, but not as host?"""
    claim(client, "olga-room")
    html = app.test_client().get("/olga-room").get_data(as_text=True)
    assert 'data-host="false"' in html and 'value=""' in html


def test_unknown_room_offers_to_claim_it(client):
    """Does an unknown but valid room name get a friendly page offering to claim it?"""
    response = client.get("/nobody-here")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Claim nobody-here" in html and "/user/rooms?name=nobody-here" in html


def test_room_links_are_case_insensitive(client, owner):
    """Does an upper-case link lead to the room?"""
    claim(client, "olga-room")
    response = client.get("/Olga-Room")
    assert response.status_code == 302 and response.headers["Location"] == "/olga-room"


def test_rooms_beyond_the_plan_become_read_only(client, app, owner):
    """When a plan shrinks, are extra rooms kept but read-only?"""
    from app.auth.models import User

    with app.app_context():
        db.session.execute(sa.update(User).values(plan="pro"))
        db.session.commit()
    claim(client, "keep-one")
    claim(client, "extra-two")
    with app.app_context():
        db.session.execute(sa.update(User).values(plan="free"))
        db.session.commit()
    assert set(rooms(app)) == {"keep-one", "extra-two"}
    assert "Read-only" in client.get("/user/rooms").get_data(as_text=True)
    assert 'data-read-only="true"' in client.get("/extra-two").get_data(as_text=True)
    assert 'data-read-only="false"' in client.get("/keep-one").get_data(as_text=True)


def test_operator_commands(app, runner, make_user):
    """Do `flask rooms create` and `flask rooms list` work for operators?"""
    make_user("op@example.com")
    result = runner.invoke(args=["rooms", "create", "big-room", "--owner", "op@example.com", "--mode", LARGE])
    assert "Created room big-room" in result.output and "large meetings" in result.output
    assert "big-room" in runner.invoke(args=["rooms", "list"]).output
    bad = runner.invoke(args=["rooms", "create", "admin", "--owner", "op@example.com"])
    assert bad.exit_code != 0 and "reserved" in bad.output
    missing = runner.invoke(args=["rooms", "create", "fine-name", "--owner", "ghost@example.com"])
    assert missing.exit_code != 0 and "No account uses" in missing.output


def test_lobby_has_a_meta_description(client, owner):
    """Does the lobby tell search engines and link previews what the page is?"""
    claim(client, "olga-room")
    html = client.get("/olga-room").get_data(as_text=True)
    assert '<meta name="description" content="Join the olga-room video meeting on Parlor' in html


def test_lobby_passes_modes_and_sizes_from_the_plans(client, owner):
    """Does the room page hand its script the meeting modes and sizes from app/plans.py, not its own copies?"""
    claim(client, "olga-room")
    html = client.get("/olga-room").get_data(as_text=True)
    assert f'data-mode="{SMALL}"' in html and f'data-capacity="{SMALL_MEETING_LIMIT}"' in html
    assert f'data-large-mode="{LARGE}"' in html and f'data-max-tiles="{LARGE_MEETING_LIMIT}"' in html


def test_lobby_passes_own_picture_only_when_there_is_one(app, client, owner):
    """Does the page give the signed-in person their own picture for their tile, and nothing to a visitor?"""
    claim(client, "olga-room")
    assert 'data-picture=""' in client.get("/olga-room").get_data(as_text=True)
    picture = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 120, 90)).save(picture, format="PNG")
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "olga@example.com"))
        set_avatar(user, picture.getvalue())
        db.session.commit()
        key = user.avatar_key
    assert f'data-picture="/user/avatars/{key}.webp"' in client.get("/olga-room").get_data(as_text=True)
    assert 'data-picture=""' in app.test_client().get("/olga-room").get_data(as_text=True)


ROOT = Path(__file__).resolve().parent.parent
MEETING_PAGE_FILES = [
    *(ROOT / "app/static/js/room").glob("*.js"),
    ROOT / "app/static/js/sfu-client.js",
    *(ROOT / "templates/rooms").glob("*.html"),
]


@pytest.mark.parametrize("path", MEETING_PAGE_FILES, ids=lambda path: path.name)
def test_meeting_page_has_no_copies_of_modes_or_sizes(path):
    """Do the meeting page's scripts and templates take modes and capacities from the server?"""
    text = path.read_text()
    assert not re.search(rf"""["']({SMALL}|{LARGE})["']""", text)
    assert not re.search(rf"up to ({SMALL_MEETING_LIMIT}|{LARGE_MEETING_LIMIT})\b", text)
    assert not re.search(rf"\b(min|max)\([^)]*\b({SMALL_MEETING_LIMIT}|{LARGE_MEETING_LIMIT})\b", text, re.I)
