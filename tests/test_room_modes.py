"""Room modes: what an owner may pick on /user/rooms, what operators may set, and the migration."""

import re

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.auth.models import User
from app.billing.models import BillingAccount
from app.billing.state import refresh_plan
from app.extensions import db
from app.plans import AUTO, LARGE, LARGE_MEETING_LIMIT, PLANS, SMALL, SMALL_MEETING_LIMIT
from app.rooms import services
from app.rooms.models import Room

from .support.accounts import csrf_token


@pytest.fixture
def owner(auth):
    auth.signup("olga@example.com", display_name="Olga")
    return auth


def set_plan(app, plan):
    with app.app_context():
        db.session.execute(sa.update(User).values(plan=plan))
        db.session.commit()


def claim(client, name):
    return client.post("/user/rooms", data={"csrf_token": csrf_token(client, "/user/rooms"), "name": name})


def pick_mode(client, name, mode, token=True):
    data = {"mode": mode}
    if token:
        data["csrf_token"] = csrf_token(client, "/user/rooms")
    return client.post(f"/user/rooms/{name}/mode", data=data)


def room_mode(app, name):
    with app.app_context():
        return db.session.scalar(sa.select(Room.mode).where(Room.name == name))


@pytest.mark.parametrize(("plan", "expected"), [("free", SMALL), ("pro", AUTO), ("business", AUTO)])
def test_new_rooms_get_the_plans_default_mode(app, client, owner, plan, expected):
    """Is a new room small on Free and auto on Pro and Business?"""
    set_plan(app, plan)
    claim(client, "olga-room")
    assert room_mode(app, "olga-room") == expected


def test_pro_owner_picks_a_mode(app, client, owner):
    """Can a Pro owner switch their room to large, with the choice shown in a labelled select?"""
    set_plan(app, "pro")
    claim(client, "olga-room")
    html = client.get("/user/rooms").get_data(as_text=True)
    assert re.search(r'<label for="mode-\d+">Meeting mode for olga-room</label>', html)
    assert f'<option value="{AUTO}" selected>' in html
    response = pick_mode(client, "olga-room", LARGE)
    assert response.status_code == 302
    assert room_mode(app, "olga-room") == LARGE
    assert f'<option value="{LARGE}" selected>' in client.get("/user/rooms").get_data(as_text=True)


@pytest.mark.parametrize("mode", [AUTO, LARGE])
def test_free_owner_cannot_pick_large_or_auto(app, client, owner, mode):
    """Is a Free owner's forged request for a large or auto room refused, with the reason, and nothing changed?"""
    claim(client, "olga-room")
    html = client.get("/user/rooms").get_data(as_text=True)
    assert f'<option value="{mode}"' not in html
    response = pick_mode(client, "olga-room", mode)
    assert response.status_code == 400
    assert "small meetings only" in response.get_data(as_text=True)
    assert room_mode(app, "olga-room") == SMALL


def test_unknown_mode_is_refused(app, client, owner):
    """Is a made-up mode answered with a 400 and an explanation, not a 500?"""
    set_plan(app, "pro")
    claim(client, "olga-room")
    response = pick_mode(client, "olga-room", "huge")
    assert response.status_code == 400 and room_mode(app, "olga-room") == AUTO


def test_mode_change_needs_csrf(app, client, owner):
    """Is a mode change without the CSRF token refused?"""
    set_plan(app, "pro")
    claim(client, "olga-room")
    assert pick_mode(client, "olga-room", SMALL, token=False).status_code == 400
    assert room_mode(app, "olga-room") == AUTO


def test_only_the_owner_changes_the_mode(app, client, owner, auth, make_user):
    """Does someone else's mode change on your room get a 403?"""
    set_plan(app, "pro")
    claim(client, "olga-room")
    auth.logout()
    make_user("mallory@example.com", plan="pro")
    auth.login("mallory@example.com")
    assert pick_mode(client, "olga-room", LARGE).status_code == 403
    assert room_mode(app, "olga-room") == AUTO


@pytest.mark.parametrize("mode", [AUTO, SMALL, LARGE])
def test_operators_set_any_mode_on_any_plan(app, runner, make_user, mode):
    """Does `flask rooms create --mode` set the mode even for a Free account?"""
    make_user("op@example.com")
    result = runner.invoke(args=["rooms", "create", "op-room", "--owner", "op@example.com", "--mode", mode])
    assert result.exit_code == 0, result.output
    assert room_mode(app, "op-room") == mode


@pytest.mark.parametrize(
    ("plan", "mode", "capacity"),
    [
        ("pro", SMALL, SMALL_MEETING_LIMIT),
        ("pro", AUTO, PLANS["pro"].max_participants),
        ("pro", LARGE, PLANS["pro"].max_participants),
        ("free", LARGE, LARGE_MEETING_LIMIT),
        ("free", AUTO, SMALL_MEETING_LIMIT),
    ],
)
def test_capacity_follows_mode_and_plan(app, make_user, plan, mode, capacity):
    """Is a small room capped at the mesh limit and a large or auto one at the plan's?"""
    with app.app_context():
        room = Room(name="cap-room", owner=db.session.get(User, make_user("cap@example.com", plan=plan)), mode=mode)
        db.session.add(room)
        db.session.flush()
        assert services.capacity(room) == capacity


@pytest.fixture
def at_0009(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(revision="0009")
    return app


def test_migration_maps_old_modes_and_back(at_0009):
    """Does 0011 turn normal into auto (paid) or small (free) and group into large, and 0009 get them back?"""
    rows = [("free", "normal", "r-free"), ("pro", "normal", "r-pro"), ("business", "normal", "r-biz")]
    rows += [("free", "group", "r-group")]
    with at_0009.app_context():
        with db.engine.begin() as connection:
            for index, (plan, mode, name) in enumerate(rows, start=1):
                connection.execute(
                    sa.text(
                        "INSERT INTO users (id, email, is_staff, plan, created_at) "
                        "VALUES (:id, :email, false, :plan, CURRENT_TIMESTAMP)"
                    ),
                    {"id": index, "email": f"u{index}@example.com", "plan": plan},
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO rooms (id, name, key, owner_id, mode, locked, created_at) "
                        "VALUES (:id, :name, :key, :id, :mode, false, CURRENT_TIMESTAMP)"
                    ),
                    {"id": index, "name": name, "key": f"key-{index}", "mode": mode},
                )

        def modes():
            with db.engine.connect() as connection:
                return dict(connection.execute(sa.text("SELECT name, mode FROM rooms")).all())

        upgrade(revision="0011")
        assert modes() == {"r-free": SMALL, "r-pro": AUTO, "r-biz": AUTO, "r-group": LARGE}
        downgrade(revision="0009")
        assert modes() == {"r-free": "normal", "r-pro": "normal", "r-biz": "normal", "r-group": "group"}


def test_upgrade_turns_free_rooms_automatic_and_downgrade_holds_them_small(app, owner):
    """Does paying for Pro make a Free room automatic, and going back to Free hold it to small meetings?"""
    claim(owner.client, "grows-up")
    assert room_mode(app, "grows-up") == SMALL
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        account = BillingAccount(user=user, stripe_customer_id="cus_modes", status="active", subscribed_plan="pro")
        db.session.add(account)
        assert refresh_plan(account)
        db.session.commit()
    assert room_mode(app, "grows-up") == AUTO
    with app.app_context():
        account = db.session.scalar(sa.select(BillingAccount))
        account.status = "canceled"
        assert refresh_plan(account)
        db.session.commit()
        room = db.session.scalar(sa.select(Room))
        assert room.mode == AUTO and services.meeting_mode(room) == SMALL
