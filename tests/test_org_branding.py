"""Branding: re-encoded images, a colour checked for contrast, a plain message, shown in team rooms."""

import io

import pytest
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.orgs.models import Organisation

from .support.accounts import csrf_token
from .support.orgs import invite, post

SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><rect width="10" height="10"/></svg>'


def png(colour=(200, 30, 30), size=(300, 200)):
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG", pnginfo=None)
    return buffer.getvalue()


def save_brand(client, **fields):
    data = {"csrf_token": csrf_token(client, "/org/acme/branding"), "accent_colour": "", "knock_message": ""}
    for name in ("logo", "background"):
        if name in fields:
            fields[name] = (io.BytesIO(fields[name]), f"{name}.bin")
    data.update(fields)
    return client.post("/org/acme/branding", data=data, content_type="multipart/form-data")


@pytest.fixture
def owner(acme, sign_in):
    return sign_in("owner@example.com")


def test_logo_is_re_encoded(app, owner):
    """Is an uploaded logo kept only as our own WebP re-encoding, served with its own key?"""
    assert save_brand(owner, logo=png()).status_code == 302
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        key, image = org.logo_key, org.logo_image
    assert image[:4] == b"RIFF" and Image.open(io.BytesIO(image)).size == (256, 256)
    response = owner.get(f"/org/logo/{key}.webp")
    assert response.status_code == 200 and response.mimetype == "image/webp"


def test_svg_logo_is_refused(app, owner):
    """Is an SVG (which can carry script) refused, and nothing stored?"""
    response = save_brand(owner, logo=SVG)
    assert response.status_code == 400 and "JPEG, PNG or WebP" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation.logo_key)) is None


@pytest.mark.parametrize(
    ("colour", "accepted"),
    [("#4a2370", True), ("#0b5394", True), ("#ffff00", False), ("#cccccc", False), ("red", False), ("#12345", False)],
)
def test_accent_colour_needs_contrast(app, owner, colour, accepted):
    """Is an accent colour accepted only as #rrggbb with at least 4.5:1 against white text?"""
    response = save_brand(owner, accent_colour=colour)
    assert (response.status_code == 302) is accepted
    with app.app_context():
        assert db.session.scalar(sa.select(Organisation.accent_colour)) == (colour if accepted else None)


def test_a_member_cannot_change_the_brand(acme, sign_in):
    """Is the branding page closed to plain members?"""
    member = sign_in("member@example.com")
    assert member.get("/org/acme/branding").status_code == 403


def test_brand_shows_in_the_lobby_as_plain_text(app, owner, client):
    """Does a team room's lobby show the logo, name, colour stylesheet and the knock message, escaped?"""
    message = "<b>Welcome</b> to Acme, we'll be right with you"
    save_brand(owner, logo=png(), accent_colour="#0b5394", knock_message=message)
    post(owner, "/org/acme/rooms", "/org/acme/rooms", name="front", members_only="y")
    html = client.get("/acme-front").get_data(as_text=True)
    assert 'id="org-logo"' in html and 'id="org-name"' in html and "org-branded" in html
    assert "&lt;b&gt;Welcome&lt;/b&gt;" in html and "<b>Welcome</b>" not in html
    css = client.get("/org/brand/acme-front.css")
    assert css.mimetype == "text/css" and "--plum: #0b5394" in css.get_data(as_text=True)
    assert client.get("/org/brand/no-such-room.css").status_code == 404


def test_brand_is_in_the_invitation_email(app, owner):
    """Does the invitation email carry the knock message and colour?"""
    save_brand(owner, accent_colour="#0b5394", knock_message="See you at Acme")
    invite(owner, "newbie@example.com")
    message = app.extensions["parlor_mail"].outbox[-1]
    assert "See you at Acme" in message.get_body(("plain",)).get_content()
    assert "#0b5394" in message.get_body(("html",)).get_content()
