"""The room setting that lets browsers without end-to-end encryption in: who may set it, what it changes."""

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.rooms.models import Room

from .support.accounts import csrf_token

ALLOW = "Allow browsers without end-to-end encryption"


@pytest.fixture
def owner(auth):
    auth.signup("olga@example.com", display_name="Olga")
    return auth


def set_plan(app, plan):
    with app.app_context():
        db.session.execute(sa.update(User).values(plan=plan))
        db.session.commit()


def claim(client, name="olga-room"):
    client.post("/user/rooms", data={"csrf_token": csrf_token(client, "/user/rooms"), "name": name})


def set_allow(client, allow, token=True, name="olga-room"):
    data = {"allow": allow}
    if token:
        data["csrf_token"] = csrf_token(client, "/user/rooms")
    return client.post(f"/user/rooms/{name}/encryption", data=data)


def allowed(app, name="olga-room"):
    with app.app_context():
        return db.session.scalar(sa.select(Room.allow_unencrypted).where(Room.name == name))


@pytest.mark.parametrize("plan", ["pro", "business"])
def test_paid_owner_allows_unencrypted_browsers(app, client, owner, plan):
    """Can a Pro or Business owner let browsers without end-to-end encryption in, and see that it is so?"""
    set_plan(app, plan)
    claim(client)
    assert ALLOW in client.get("/user/rooms").get_data(as_text=True)
    assert set_allow(client, "1").status_code == 302 and allowed(app)
    html = client.get("/user/rooms").get_data(as_text=True)
    assert "the meeting is then not end-to-end encrypted" in html
    assert set_allow(client, "0").status_code == 302 and not allowed(app)


def test_free_owner_cannot_allow_unencrypted_browsers(app, client, owner):
    """Is a Free owner's forged request refused with the reason, and the room left encrypted only?"""
    claim(client)
    assert ALLOW not in client.get("/user/rooms").get_data(as_text=True)
    response = set_allow(client, "1")
    assert response.status_code == 400 and "end-to-end encrypted" in response.get_data(as_text=True)
    assert not allowed(app)


@pytest.mark.parametrize(("allow", "token"), [("1", False), ("yes", True)])
def test_setting_needs_csrf_and_a_clear_choice(app, client, owner, allow, token):
    """Is a change without the CSRF token, or with a made-up value, refused?"""
    set_plan(app, "pro")
    claim(client)
    assert set_allow(client, allow, token=token).status_code == 400 and not allowed(app)


def test_only_the_owner_changes_it(app, client, owner, auth):
    """Is another account refused when it tries to open someone's room to unencrypted browsers?"""
    set_plan(app, "pro")
    claim(client)
    auth.logout()
    auth.signup("mallory@example.com", display_name="Mallory")
    assert set_allow(client, "1").status_code == 403 and not allowed(app)


def test_lobby_knows_whether_unencrypted_browsers_may_join(app, client, owner):
    """Does the lobby learn the setting, and lose it when the owner's plan no longer allows it?"""
    set_plan(app, "pro")
    claim(client)
    set_allow(client, "1")
    assert 'data-allow-unencrypted="true"' in client.get("/olga-room").get_data(as_text=True)
    set_plan(app, "free")
    assert 'data-allow-unencrypted="false"' in client.get("/olga-room").get_data(as_text=True)
