import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from PIL import Image

from app.auth.models import AccountEvent, User, UserSession
from app.extensions import db

from .support.accounts import AuthActions, console_code, csrf_token


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


def ask_to_change(client, identifier):
    token = csrf_token(client, "/user/profile")
    return client.post("/user/profile/contact", data={"csrf_token": token, "identifier": identifier})


def enter_codes(client, new_code, old_code):
    token = csrf_token(client, "/user/profile/contact/verify")
    return client.post(
        "/user/profile/contact/verify", data={"csrf_token": token, "code": new_code, "old_code": old_code}
    )


def wrong(code):
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_change_email_is_verified_and_the_old_address_told(client, app, signed_in):
    """Does an email change need the codes sent to the new and the old address, and notify the old one?"""
    response = ask_to_change(client, "una@new.example")
    assert response.headers["Location"].endswith("/user/profile/contact/verify")
    assert user(app).email == "una@example.com"  # nothing changes before the codes come back
    response = enter_codes(client, console_code(app, "una@new.example"), console_code(app, "una@example.com"))
    assert response.status_code == 302
    assert user(app).email == "una@new.example"
    notices = [m for m in app.extensions["parlor_mail"].outbox if m["To"] == "una@example.com"]
    assert "was changed" in notices[-1]["Subject"]
    assert notices[-1].get_body(("html",)) is not None
    with app.app_context():
        assert "contact_changed" in db.session.scalars(sa.select(AccountEvent.kind)).all()


def test_adding_a_phone_needs_a_code_from_the_email_and_keeps_it(client, app, signed_in):
    """Does adding a phone number need a code sent to the account's email, and keep the email?"""
    ask_to_change(client, "+47 912 34 567")
    enter_codes(client, console_code(app, "+4791234567"), console_code(app, "una@example.com"))
    stored = user(app)
    assert (stored.email, stored.phone) == ("una@example.com", "+4791234567")


def test_wrong_contact_code_changes_nothing(client, app, signed_in):
    """Does a wrong code leave the contact details as they were?"""
    ask_to_change(client, "una@new.example")
    response = enter_codes(client, "000000", "000000")
    assert response.status_code == 400
    assert user(app).email == "una@example.com"


def test_the_new_address_alone_cannot_change_the_contact(client, app, signed_in):
    """Can someone holding only the new address's code (a stolen session) not take the account over?"""
    ask_to_change(client, "thief@example.com")
    new_code, old_code = console_code(app, "thief@example.com"), console_code(app, "una@example.com")
    response = enter_codes(client, new_code, wrong(old_code))
    assert response.status_code == 400
    assert "That code is not right" in response.get_data(as_text=True)
    assert user(app).email == "una@example.com"
    # The right new code was not spent by the failed pair: both right codes still work.
    assert enter_codes(client, new_code, old_code).status_code == 302
    assert user(app).email == "thief@example.com"


def test_contact_change_signs_out_other_sessions(client, app, signed_in):
    """After a contact change, is every other browser of the account signed out, and this one not?"""
    other = app.test_client()
    other_auth = type(signed_in)(app, other)
    other_auth.login("una@example.com")
    assert other.get("/user/profile").status_code == 200
    ask_to_change(client, "una@new.example")
    enter_codes(client, console_code(app, "una@new.example"), console_code(app, "una@example.com"))
    assert user(app).email == "una@new.example"
    response = other.get("/user/profile")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    assert client.get("/user/profile").status_code == 200


def test_contact_taken_by_another_account_is_refused(client, app, signed_in, make_user):
    """Can an address belonging to another account not be moved onto this one?"""
    make_user("taken@example.com")
    ask_to_change(client, "taken@example.com")
    response = enter_codes(client, console_code(app, "taken@example.com"), console_code(app, "una@example.com"))
    assert response.status_code == 302
    assert "belongs to another Parlor account" in client.get("/user/profile").get_data(as_text=True)
    assert user(app).email == "una@example.com"


def test_sign_out_everywhere_else(client, app, signed_in):
    """Does "Sign out everywhere else" end the other browsers' sessions and keep this one?"""
    other = app.test_client()
    type(signed_in)(app, other).login("una@example.com", remember="y")
    remember = other.get_cookie("parlor_remember").value
    assert "Sign out everywhere else" in client.get("/user/profile").get_data(as_text=True)
    response = client.post(
        "/user/profile/sessions/end-others", data={"csrf_token": csrf_token(client, "/user/profile")}
    )
    assert response.status_code == 302
    assert "Signed out everywhere else (1 browser)" in client.get("/user/profile").get_data(as_text=True)
    assert other.get("/user/profile").status_code == 302
    replay = app.test_client()
    replay.set_cookie("parlor_remember", remember)
    assert replay.get("/user/profile").status_code == 302  # the remember cookie died with its session
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1


def test_sign_out_everywhere_else_needs_csrf(client, app, signed_in):
    """Is a forged "Sign out everywhere else" refused, leaving the other browsers signed in?"""
    other = app.test_client()
    type(signed_in)(app, other).login("una@example.com")
    assert client.post("/user/profile/sessions/end-others").status_code == 400
    assert other.get("/user/profile").status_code == 200


def test_profile_lists_recent_sign_ins(client, signed_in):
    """Does the profile show the recent sign-ins with their IP address?"""
    html = client.get("/user/profile").get_data(as_text=True)
    assert "Recent sign-ins" in html and "Signed in" in html and "127.0.0.1" in html
    assert re.search(r"\d{1,2} \w+ 20\d\d", html)


def test_profile_regions_have_distinct_names(client, signed_in):
    """Does each region on the profile have an accessible name of its own (no two "Recent sign-ins")?"""
    html = client.get("/user/profile").get_data(as_text=True)
    headings = dict(re.findall(r'<h2 id="([^"]+)">([^<]+)</h2>', html))
    names = [headings[ref] for ref in re.findall(r'<section[^>]*aria-labelledby="([^"]+)"', html)]
    names += re.findall(r'role="region" aria-label="([^"]+)"', html)
    names += [headings[ref] for ref in re.findall(r'role="region" aria-labelledby="([^"]+)"', html)]
    assert "Recent sign-ins" in names and "Recent sign-ins table" in names
    assert len(names) == len(set(names))


def signed_in_client(app, email, address):
    """Another account, signed in from its own IP address."""
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = address
    with app.app_context():
        db.session.add(User(email=email))
        db.session.commit()
    actions = AuthActions(app, other)
    actions.login(email)
    return other


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_contact_changes_are_limited_per_account(clock, client, app, signed_in):
    """Does one account get five contact-change requests an hour, however many addresses it uses?"""
    statuses = []
    for n in range(6):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{n + 1}"
        statuses.append(ask_to_change(client, f"una{n}@new.example").status_code)
        clock.advance(timedelta(hours=1))  # past the growing wait for codes to the current address
    assert statuses == [302] * 5 + [429]


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_contact_changes_are_limited_per_target_address(app):
    """Can six accounts, each from its own address, not all send codes to one target address?"""
    statuses = []
    for n in range(6):
        other = signed_in_client(app, f"member{n}@example.com", f"203.0.113.{n + 1}")
        statuses.append(ask_to_change(other, "target@example.com").status_code)
    assert statuses == [302] * 5 + [429]
    assert sum(m["To"] == "target@example.com" for m in app.extensions["parlor_mail"].outbox) == 5


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_contact_codes_are_limited_per_account(client, app, signed_in):
    """Are code checks on contact changes limited per account, across target and IP addresses?"""
    statuses = []
    for target in range(3):
        client.environ_base["REMOTE_ADDR"] = f"198.51.100.{target + 1}"
        ask_to_change(client, f"una{target}@new.example")
        for n in range(10):
            client.environ_base["REMOTE_ADDR"] = f"203.0.113.{target * 10 + n + 1}"
            statuses.append(enter_codes(client, "000000", "000000").status_code)
    assert 429 not in statuses[:20] and statuses[20:] == [429] * 10


def test_contact_change_waits_for_the_current_address(clock, client, app, signed_in):
    """When the current address has had its codes for now, is the change refused before any code is sent?"""
    for n in range(4):  # with the sign-up code, five codes to una@example.com
        assert ask_to_change(client, f"una{n}@new.example").status_code == 302
    response = ask_to_change(client, "una9@new.example")
    assert response.status_code == 429
    assert "We just sent a code to your current address" in response.get_data(as_text=True)
    assert not [m for m in app.extensions["parlor_mail"].outbox if m["To"] == "una9@new.example"]
