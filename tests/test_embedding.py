"""Embedding: allowed origins, who may frame which page, and the room URL's parameters."""

import re

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.embedding import services
from app.embedding.models import AllowedOrigin
from app.extensions import db

from .support.accounts import csrf_token

PAGE = "/user/developers/origins"
SHOP = "https://shop.example"


@pytest.fixture
def embeddable(app, room):
    """meet-here's owner allows https://shop.example to embed their rooms."""
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "host@example.com"))
        services.set_origins(owner, [SHOP, "http://localhost:8123"])
        db.session.commit()


def frame_ancestors(response):
    return re.search(r"frame-ancestors ([^;]+)", response.headers["Content-Security-Policy"]).group(1)


def test_allowed_origin_may_frame_the_room(client, embeddable):
    """Does a room of an account with allowed origins name exactly those as frame ancestors?"""
    response = client.get("/meet-here")
    assert frame_ancestors(response) == f"{SHOP} http://localhost:8123"
    assert "X-Frame-Options" not in response.headers
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera", "microphone", "display-capture"):
        assert f'{feature}=(self "{SHOP}" "http://localhost:8123")' in policy


def test_framed_rooms_session_cookie_works_in_a_third_party_frame(client, embeddable):
    """Is the embeddable room's session cookie SameSite=None, Secure and Partitioned?"""
    cookie = client.get("/meet-here").headers["Set-Cookie"]
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie


def test_other_pages_still_refuse_framing(client, embeddable):
    """Do the home page and the account pages keep frame-ancestors 'none' and a Lax cookie?"""
    for path in ("/", "/user/login", "/information/product-api/"):
        response = client.get(path)
        assert frame_ancestors(response) == "'none'", path
        assert response.headers["X-Frame-Options"] == "DENY"
        assert "camera=(self)" in response.headers["Permissions-Policy"]
    login = client.get("/user/login")
    if "Set-Cookie" in login.headers:
        assert "SameSite=Lax" in login.headers["Set-Cookie"]


def test_room_without_allowed_origins_cannot_be_framed(client, room):
    """Does a room whose owner allowed no origin refuse every frame?"""
    response = client.get("/meet-here")
    assert frame_ancestors(response) == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "SameSite=Lax" in response.headers["Set-Cookie"]


def test_another_accounts_origins_do_not_open_this_room(app, client, room, make_user):
    """Can an account allow its own site to frame someone else's room?"""
    with app.app_context():
        other = db.session.get(User, make_user("mallory@example.com"))
        services.set_origins(other, ["https://evil.example"])
        db.session.commit()
    assert frame_ancestors(client.get("/meet-here")) == "'none'"


def test_origins_page_saves_and_normalises(app, auth, alice):
    """Does the "Allowed origins" field keep one normalised origin a line?"""
    html = auth.client.get(PAGE).get_data(as_text=True)
    assert "Allowed origins" in html
    response = auth.client.post(
        PAGE,
        data={
            "csrf_token": csrf_token(auth.client, PAGE),
            "origins": "HTTPS://Shop.Example:443\n\nhttp://localhost:3000/\n",
        },
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(sa.select(AllowedOrigin.origin).order_by(AllowedOrigin.id)).all() == [
            SHOP,
            "http://localhost:3000",
        ]


@pytest.mark.parametrize(
    "line",
    [
        "https://shop.example/path",
        "shop.example",
        "javascript:alert(1)",
        "https://*.example",
        "https://shop.example; script-src *",
        "'self'",
        "https://user@shop.example",
        "https://shop.example?x=1",
        "data:text/html,hi",
    ],
)
def test_things_that_are_not_origins_are_refused(app, auth, alice, line):
    """Is a line that is not an origin (a path, a wildcard, a CSP injection) refused with the form?"""
    response = auth.client.post(PAGE, data={"csrf_token": csrf_token(auth.client, PAGE), "origins": line})
    assert response.status_code == 400
    assert "Each line must be an origin" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AllowedOrigin)) == 0


def test_operator_sets_origins(app, runner, make_user):
    """Does `flask api origins set` replace an account's origins, and refuse a bad one?"""
    make_user("dev@example.com")
    assert runner.invoke(args=["api", "origins", "set", "dev@example.com", SHOP, "https://b.example"]).exit_code == 0
    bad = runner.invoke(args=["api", "origins", "set", "dev@example.com", "https://a.example/x"])
    assert bad.exit_code != 0
    listed = runner.invoke(args=["api", "origins", "list", "dev@example.com"]).output.split()
    assert listed == [SHOP, "https://b.example"]
    runner.invoke(args=["api", "origins", "set", "dev@example.com"])
    assert runner.invoke(args=["api", "origins", "list", "dev@example.com"]).output.strip() == ""


def test_url_parameters_shape_the_room_page(client, room):
    """Do the embed parameters reach the room page, and unknown ones not break it?"""
    html = client.get(
        "/meet-here?displayName=Ada%20L&audio=off&video=off&chat=off&screenshare=off&leaveButton=off"
        "&people=off&minimal&skipMediaPermissionPrompt&lang=en&bogus=1"
    ).get_data(as_text=True)
    assert 'value="Ada L"' in html
    assert 'data-start-muted="true"' in html and 'data-start-camera-off="true"' in html
    assert 'data-auto-join="true"' in html and "room-minimal" in html
    for button in ("chat-toggle", "screen-toggle", "people-toggle", "leave-button"):
        assert re.search(rf'id="{button}"[^>]* hidden', html), button


def test_room_page_defaults_without_parameters(client, room):
    """Without parameters, is the room page the usual one?"""
    html = client.get("/meet-here").get_data(as_text=True)
    assert 'data-start-muted="false"' in html and 'data-auto-join="false"' in html
    assert not re.search(r'id="chat-toggle"[^>]* hidden', html)


def test_embed_script_is_served(client):
    """Is the <parlor-embed> script served by the app?"""
    response = client.get("/static/js/embed.js")
    assert response.status_code == 200 and b"parlor-embed" in response.data
