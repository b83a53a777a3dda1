"""The host link on /user/rooms: shown to the owner only, regenerated with CSRF, kept out of logs."""

import io
import logging

import sqlalchemy as sa

from app.accesslog import RedactedStream, RedactingFilter
from app.extensions import db
from app.rooms.models import Room

from .support.accounts import csrf_token


def host_key(app, name="meet-here"):
    with app.app_context():
        return db.session.scalar(sa.select(Room.host_key).where(Room.name == name))


def test_rooms_page_shows_the_host_link(app, host_client, room):
    """Does the owner's rooms page show a read-only "Host link" field with the full link and a copy button?"""
    html = host_client.get("/user/rooms").get_data(as_text=True)
    assert ">Host link</label>" in html
    assert f'value="http://localhost/meet-here?host={host_key(app)}"' in html
    assert "readonly" in html and "data-copy=" in html and ">Regenerate</button>" in html


def test_regenerating_revokes_the_old_link(app, host_client, room):
    """Does Regenerate give the room a new host key and show the new link?"""
    old = host_key(app)
    response = host_client.post(
        "/user/rooms/meet-here/host-link", data={"csrf_token": csrf_token(host_client, "/user/rooms")}
    )
    assert response.status_code == 302
    new = host_key(app)
    assert new != old and len(new) >= 20
    html = host_client.get("/user/rooms").get_data(as_text=True)
    assert f"host={new}" in html and old not in html


def test_regenerating_without_csrf_is_refused(app, host_client, room):
    """Is a forged Regenerate (no CSRF token) refused, the link unchanged?"""
    old = host_key(app)
    assert host_client.post("/user/rooms/meet-here/host-link").status_code == 400
    assert host_key(app) == old


def test_only_the_owner_can_regenerate(app, auth, make_user, room):
    """Does another signed-in user get 403 when regenerating someone else's host link?"""
    old = host_key(app)
    make_user("mallory@example.com")
    auth.login("mallory@example.com")
    response = auth.client.post(
        "/user/rooms/meet-here/host-link", data={"csrf_token": csrf_token(auth.client, "/user/rooms")}
    )
    assert response.status_code == 403 and host_key(app) == old


def test_visitors_never_see_the_host_link(app, room):
    """Is the host key absent from the lobby a visitor gets?"""
    html = app.test_client().get("/meet-here").get_data(as_text=True)
    assert host_key(app) not in html


def test_host_link_page_leaks_the_key_nowhere(app, room, tmp_path):
    """Through the host link, is the lobby no-referrer and uncached, and the key kept out of the technical log?"""
    key = host_key(app)
    response = app.test_client().get(f"/meet-here?host={key}")
    assert response.status_code == 200
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"
    assert key not in response.get_data(as_text=True)
    logs = list((tmp_path / "logs").glob("*.jsonl"))
    assert logs and all(key not in path.read_text() for path in logs)


def test_stale_host_link_says_so(app, room):
    """Does a wrong or revoked host key open a guest lobby that says the link no longer works?"""
    html = app.test_client().get("/meet-here?host=not-the-key").get_data(as_text=True)
    assert 'data-host="false"' in html and "This host link no longer works" in html


def test_access_log_hides_the_host_key():
    """Do the server's access log lines (eventlet's stream and Werkzeug's logger) show no host key?"""
    stream = io.StringIO()
    RedactedStream(stream).write('127.0.0.1 - - "GET /meet-here?host=s3cr3t-KEY_1&x=1 HTTP/1.1" 200\n')
    assert "s3cr3t" not in stream.getvalue() and "/meet-here?host=[hidden]&x=1" in stream.getvalue()
    record = logging.LogRecord("werkzeug", logging.INFO, "", 0, '"%s" %s', ("GET /r?host=s3cr3t HTTP/1.1", 200), None)
    RedactingFilter().filter(record)
    assert "s3cr3t" not in record.getMessage()
