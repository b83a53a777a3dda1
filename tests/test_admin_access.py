"""Who can open the staff console: attacks on every /admin route, and the second code per device."""

import re

import pytest
import sqlalchemy as sa

from app.admin.devices import COOKIE
from app.admin.models import StaffAction, StaffDevice
from app.extensions import db
from tests.support.accounts import console_code, csrf_token

DEVICE_PAGES = {"/admin/device", "/admin/device/send"}


def admin_routes(app):
    """(method, concrete path) for every /admin route, with made-up ids filled in."""
    routes = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/admin"):
            continue
        path = re.sub(r"<int:[^>]+>", "1", rule.rule)
        path = re.sub(r"<[^>]+>", "node-1", path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, path))
    return routes


def call(client, method, path, token=None):
    data = {"csrf_token": token} if token else {}
    return client.open(path, method=method, data=data)


def test_the_console_has_routes_to_attack(app):
    """Does the route walk see the console's pages (so the attacks below cover them)?"""
    paths = {path for _, path in admin_routes(app)}
    assert {"/admin/", "/admin/users", "/admin/users/1/disable", "/admin/nodes/node-1/forget"} <= paths


def test_anonymous_visitors_get_not_found_everywhere(app, client):
    """Does every /admin route, with every method, answer 404 to someone not signed in?"""
    for method, path in admin_routes(app):
        assert call(client, method, path).status_code == 404, (method, path)


def test_signed_in_non_staff_get_not_found_everywhere(app, client, auth, alice):
    """Does every /admin route answer 404 to a signed-in account without the staff flag, even with a CSRF token?"""
    token = csrf_token(client, "/user/logout")
    for method, path in admin_routes(app):
        assert call(client, method, path, token).status_code == 404, (method, path)


def test_staff_on_a_new_device_are_asked_for_the_second_code(app, client, auth, make_user):
    """Is a staff member who only signed in sent to the device page by every other route, changing nothing?"""
    make_user("staff@example.com", is_staff=True)
    auth.login("staff@example.com")
    token = csrf_token(client, "/admin/device")
    for method, path in admin_routes(app):
        if path in DEVICE_PAGES:
            continue
        response = call(client, method, path, token)
        assert response.status_code == 302, (method, path)
        assert response.headers["Location"].startswith("/admin/device"), (method, path)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffAction)) == 0


def test_the_second_code_confirms_this_device(app, client, console, make_user):
    """After the second code, does this browser open the console, remembered by a cookie and a row?"""
    make_user("staff@example.com", is_staff=True)
    console.sign_in("staff@example.com")
    assert client.get("/admin/").status_code == 200
    assert client.get_cookie(COOKIE, path="/admin") is not None
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StaffDevice)) == 1
        action = db.session.scalar(sa.select(StaffAction))
        assert action.action == "device_confirmed"


def test_the_sign_in_code_cannot_stand_in_for_the_second_code(app, client, auth, console, make_user):
    """Is a sign-in code refused on the device page (codes are for one purpose)?"""
    make_user("staff@example.com", is_staff=True)
    auth.login("staff@example.com")
    console.ask_device_code()
    other_browser = app.test_client()
    other_browser.post(
        "/user/login",
        data={"csrf_token": csrf_token(other_browser), "identifier": "staff@example.com"},
    )  # a fresh sign-in code, now the newest in the outbox
    response = console.enter_device_code(console_code(app, "staff@example.com"))
    assert response.status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_wrong_second_code_is_refused(client, auth, console, make_user):
    """Does a wrong second code leave the device unconfirmed?"""
    make_user("staff@example.com", is_staff=True)
    auth.login("staff@example.com")
    console.ask_device_code()
    assert console.enter_device_code("000000").status_code == 400
    assert client.get("/admin/").status_code == 302


def test_a_device_cookie_does_not_travel_to_another_staff_member(app, client, auth, console, make_user):
    """Does one staff member's device cookie fail for another staff member signed in on that browser?"""
    make_user("staff@example.com", is_staff=True)
    make_user("other@example.com", is_staff=True)
    console.sign_in("staff@example.com")
    auth.logout()
    auth.login("other@example.com")
    assert client.get("/admin/").status_code == 302


def test_losing_the_staff_flag_closes_the_console(app, client, staff, runner):
    """Once `flask staff remove` runs, does the same browser get 404 again?"""
    assert client.get("/admin/").status_code == 200
    result = runner.invoke(args=["staff", "remove", "staff@example.com"])
    assert result.exit_code == 0, result.output
    assert client.get("/admin/").status_code == 404


def test_staff_commands_add_and_remove_with_audit(app, runner, make_user):
    """Do `flask staff add` and `remove` set the flag and write audit rows naming the account by number?"""
    user_id = make_user("bob@example.com")
    assert runner.invoke(args=["staff", "add", "bob@example.com"]).exit_code == 0
    assert "bob@example.com" in runner.invoke(args=["staff", "list"]).output
    assert runner.invoke(args=["staff", "remove", "bob@example.com"]).exit_code == 0
    with app.app_context():
        actions = db.session.scalars(sa.select(StaffAction).order_by(StaffAction.id)).all()
        assert [(a.action, a.target_id, a.staff_id) for a in actions] == [
            ("staff_added", str(user_id), None),
            ("staff_removed", str(user_id), None),
        ]


@pytest.mark.parametrize("path", ["/admin/users/1/disable", "/admin/nodes/node-1/drain", "/admin/rooms/1/delete"])
def test_staff_posts_without_csrf_are_refused(client, staff, path, count):
    """Is a staff POST without a CSRF token refused, writing no audit row?"""
    assert client.post(path).status_code == 400
    assert count(StaffAction) == 1  # only the device confirmation
