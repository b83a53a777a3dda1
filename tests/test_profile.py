import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from app.auth.models import AccountEvent, User
from app.extensions import db

from .support.accounts import console_code, csrf_token


def image_bytes(fmt, size=(400, 300), mode="RGB", exif=False):
    image = Image.new(mode, size, (200, 80, 40) if mode == "RGB" else None)
    out = io.BytesIO()
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SpyCam"  # Make
        data[0x8825] = {1: "N", 2: (59.0, 54.0, 0.0)}  # GPS
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


@pytest.fixture
def signed_in(auth):
    auth.signup("una@example.com", display_name="Una")
    return auth


def upload(client, data, filename="me.png"):
    return client.post(
        "/user/profile/picture",
        data={"csrf_token": csrf_token(client, "/user/profile"), "picture": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
    )


def user(app):
    with app.app_context():
        return db.session.scalar(sa.select(User).options(sa.orm.undefer(User.avatar_image)))


def test_profile_needs_login(client):
    """Is the profile page for signed-in people only?"""
    response = client.get("/user/profile")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


@pytest.mark.parametrize("name,stored", [("  Una Smith  ", "Una Smith"), ("Ünä 🎉", "Ünä 🎉"), ("x" * 50, "x" * 50)])
def test_display_name_is_saved_trimmed(client, app, signed_in, name, stored):
    """Is a display name of 1 to 50 characters saved, trimmed?"""
    response = client.post(
        "/user/profile/name", data={"csrf_token": csrf_token(client, "/user/profile"), "display_name": name}
    )
    assert response.status_code == 302
    assert user(app).display_name == stored


@pytest.mark.parametrize("name", ["", "   ", "x" * 51, "bad\x00name", "tab\x1bname"])
def test_bad_display_name_is_refused(client, app, signed_in, name):
    """Is an empty, overlong or control-character name refused, the old one kept?"""
    response = client.post(
        "/user/profile/name", data={"csrf_token": csrf_token(client, "/user/profile"), "display_name": name}
    )
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert user(app).display_name == "Una"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_good_picture_becomes_a_clean_square_thumbnail(client, app, signed_in, fmt):
    """Is a JPEG, PNG or WebP re-encoded as a 256-pixel square WebP without metadata?"""
    response = upload(client, image_bytes(fmt, exif=fmt == "JPEG"), f"me.{fmt.lower()}")
    assert response.status_code == 302
    stored = user(app)
    with Image.open(io.BytesIO(stored.avatar_image)) as thumbnail:
        assert thumbnail.format == "WEBP" and thumbnail.size == (256, 256)
        assert not thumbnail.getexif() and "exif" not in thumbnail.info
    served = client.get(f"/user/avatars/{stored.avatar_key}.webp")
    assert served.status_code == 200 and served.mimetype == "image/webp"
    assert b"SpyCam" not in served.data


@pytest.mark.parametrize(
    "data,message",
    [
        (b"this is not an image at all", "not a picture we can read"),
        (image_bytes("PNG")[:200], "not a picture we can read"),
        (image_bytes("GIF"), "Upload a JPEG, PNG or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "larger than 5 MB"),
    ],
    ids=["text", "truncated", "gif", "oversized"],
)
def test_bad_picture_is_refused(client, app, signed_in, data, message):
    """Is a non-image, truncated, wrong-format or oversized upload refused, nothing changed?"""
    response = upload(client, data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert user(app).avatar_image is None


def test_decompression_bomb_is_refused(client, app, signed_in):
    """Is a small file that decodes to a gigantic image refused before it is decoded?"""
    bomb = Image.new("1", (20000, 20000))  # 400 megapixels, a few kilobytes as PNG
    out = io.BytesIO()
    bomb.save(out, format="PNG", optimize=True)
    assert len(out.getvalue()) < 5 * 1024 * 1024
    response = upload(client, out.getvalue())
    assert response.status_code == 400
    assert "too many pixels" in response.get_data(as_text=True)
    assert user(app).avatar_image is None


def test_picture_can_be_removed(client, app, signed_in):
    """Can the picture be removed again, and its address stop working?"""
    upload(client, image_bytes("PNG"))
    key = user(app).avatar_key
    client.post("/user/profile/picture/remove", data={"csrf_token": csrf_token(client, "/user/profile")})
    assert user(app).avatar_image is None
    assert client.get(f"/user/avatars/{key}.webp").status_code == 404


def test_change_email_is_verified_and_the_old_address_told(client, app, signed_in):
    """Does an email change need the code sent to the new address, and notify the old one?"""
    token = csrf_token(client, "/user/profile")
    response = client.post("/user/profile/contact", data={"csrf_token": token, "identifier": "una@new.example"})
    assert response.headers["Location"].endswith("/user/profile/contact/verify")
    assert user(app).email == "una@example.com"  # nothing changes before the code comes back
    code = console_code(app, "una@new.example")
    response = client.post(
        "/user/profile/contact/verify",
        data={"csrf_token": csrf_token(client, "/user/profile/contact/verify"), "code": code},
    )
    assert response.status_code == 302
    assert user(app).email == "una@new.example"
    notices = [m for m in app.extensions["parlor_mail"].outbox if m["To"] == "una@example.com"]
    assert "was changed" in notices[-1]["Subject"]
    assert notices[-1].get_body(("html",)) is not None
    with app.app_context():
        assert "contact_changed" in db.session.scalars(sa.select(AccountEvent.kind)).all()


def test_adding_a_phone_keeps_the_email(client, app, signed_in):
    """Does adding a phone number keep the email address?"""
    client.post(
        "/user/profile/contact",
        data={"csrf_token": csrf_token(client, "/user/profile"), "identifier": "+47 912 34 567"},
    )
    code = console_code(app, "+4791234567")
    client.post(
        "/user/profile/contact/verify",
        data={"csrf_token": csrf_token(client, "/user/profile/contact/verify"), "code": code},
    )
    stored = user(app)
    assert (stored.email, stored.phone) == ("una@example.com", "+4791234567")


def test_wrong_contact_code_changes_nothing(client, app, signed_in):
    """Does a wrong code leave the contact details as they were?"""
    client.post(
        "/user/profile/contact",
        data={"csrf_token": csrf_token(client, "/user/profile"), "identifier": "una@new.example"},
    )
    response = client.post(
        "/user/profile/contact/verify",
        data={"csrf_token": csrf_token(client, "/user/profile/contact/verify"), "code": "000000"},
    )
    assert response.status_code == 400
    assert user(app).email == "una@example.com"


def test_contact_taken_by_another_account_is_refused(client, app, signed_in, make_user):
    """Can an address belonging to another account not be moved onto this one?"""
    make_user("taken@example.com")
    client.post(
        "/user/profile/contact",
        data={"csrf_token": csrf_token(client, "/user/profile"), "identifier": "taken@example.com"},
    )
    code = console_code(app, "taken@example.com")
    response = client.post(
        "/user/profile/contact/verify",
        data={"csrf_token": csrf_token(client, "/user/profile/contact/verify"), "code": code},
    )
    assert response.status_code == 302
    assert "belongs to another Parlor account" in client.get("/user/profile").get_data(as_text=True)
    assert user(app).email == "una@example.com"


def test_profile_lists_recent_sign_ins(client, signed_in):
    """Does the profile show the recent sign-ins with their IP address?"""
    html = client.get("/user/profile").get_data(as_text=True)
    assert "Recent sign-ins" in html and "Signed in" in html and "127.0.0.1" in html
    assert re.search(r"\d{1,2} \w+ 20\d\d", html)
