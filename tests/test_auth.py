import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.auth.models import AccountEvent, LoginCode, User, UserSession
from app.extensions import db

from .support.accounts import console_code, csrf_token


def code_from(message):
    return re.search(r"\b(\d{6})\b", message["Subject"]).group(1)


def test_signup_and_login_by_email_over_smtp(client, app, auth, mailbox):
    """Can a person sign up and later sign in with codes delivered by a real SMTP server?"""
    response = auth.request_code("Dana@Example.com", path="/user/signup", accept_terms="y", display_name="Dana")
    assert response.status_code == 302 and response.headers["Location"].endswith("/user/verify")
    message = mailbox.wait_for("dana@example.com")[0]
    assert message.get_body(("html",)) is not None
    response = auth.enter_code(code_from(message))
    assert response.status_code == 302 and response.headers["Location"].endswith("/user/rooms")
    assert "Welcome to Parlor" in mailbox.wait_for("dana@example.com", count=2)[1]["Subject"]
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        assert (user.email, user.display_name) == ("dana@example.com", "Dana")
        assert user.verified_at is not None
    assert client.get("/user/profile").status_code == 200

    auth.logout()
    mailbox.clear()
    auth.request_code("dana@example.com")
    auth.enter_code(code_from(mailbox.wait_for("dana@example.com")[0]))
    assert client.get("/user/profile").status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_signup_by_phone_with_console_sms(client, app, auth):
    """Can a person sign up with a phone number, normalised to E.164, code read from the SMS outbox?"""
    auth.request_code("+47 912 34 567", path="/user/signup", accept_terms="y")
    outbox = app.extensions["parlor_sms"].outbox
    assert outbox[-1][0] == "+4791234567"
    response = auth.enter_code(console_code(app, "+4791234567"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.phone)) == "+4791234567"


@pytest.mark.parametrize(
    "identifier,message",
    [
        ("", "Enter your email address or phone number."),
        ("bob@", "does not look like an email address"),
        ("bob@@example.com", "does not look like an email address"),
        ("12345", "country code"),
        ("+47 12", "not valid"),
        ("call me maybe", "phone number with its country code"),
        ("x" * 300, "too long"),
    ],
)
def test_malformed_identifier_is_refused(client, auth, count, identifier, message):
    """Is a malformed email or phone shown again with a clear message and nothing stored?"""
    response = auth.request_code(identifier)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(LoginCode) == 0


def test_signup_requires_accepting_the_terms(client, auth, count):
    """Is sign-up refused until the terms are accepted?"""
    response = auth.request_code("erin@example.com", path="/user/signup")
    assert response.status_code == 400
    assert "accept the terms" in response.get_data(as_text=True)
    assert count(LoginCode) == 0


def test_codes_are_stored_hashed(app, auth):
    """Is the code itself never stored, only a keyed hash of it?"""
    auth.request_code("fay@example.com")
    code = console_code(app, "fay@example.com")
    with app.app_context():
        record = db.session.scalar(sa.select(LoginCode))
        assert code not in record.code_hash and len(record.code_hash) == 64


def test_expired_code_is_refused(client, app, auth, clock, count):
    """After ten minutes, is the code refused and no account created?"""
    auth.request_code("gus@example.com")
    code = console_code(app, "gus@example.com")
    clock.advance(timedelta(minutes=10, seconds=1))
    response = auth.enter_code(code)
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert count(User) == 0


def test_code_works_just_before_expiry(client, app, auth, clock):
    """Is a code still good at nine minutes fifty-nine?"""
    auth.request_code("hal@example.com")
    code = console_code(app, "hal@example.com")
    clock.advance(timedelta(minutes=9, seconds=59))
    assert auth.enter_code(code).status_code == 302


def test_five_wrong_tries_burn_the_code(client, app, auth, count):
    """After five wrong tries, does even the right code fail until a new one is asked for?"""
    auth.request_code("ivy@example.com")
    code = console_code(app, "ivy@example.com")
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    messages = [auth.enter_code(wrong).get_data(as_text=True) for _ in range(5)]
    assert "4 tries left" in messages[0] and "1 try left" in messages[3]
    assert "Too many wrong tries" in messages[4]
    assert "Too many wrong tries" in auth.enter_code(code).get_data(as_text=True)
    assert count(User) == 0
    client.post("/user/verify/resend", data={"csrf_token": csrf_token(client, "/user/verify")})
    assert auth.enter_code(console_code(app, "ivy@example.com")).status_code == 302


def test_new_code_replaces_the_old_one(client, app, auth):
    """Does asking again make the earlier code useless?"""
    auth.request_code("jo@example.com")
    first = console_code(app, "jo@example.com")
    auth.request_code("jo@example.com")
    second = console_code(app, "jo@example.com")
    if first != second:
        response = auth.enter_code(first)
        assert response.status_code == 400 and "not right" in response.get_data(as_text=True)
    assert auth.enter_code(second).status_code == 302


def test_response_is_the_same_for_known_and_unknown(client, auth, make_user):
    """Does the login page answer identically whether or not an account exists?"""
    make_user("known@example.com")

    def answer(identifier):
        response = auth.request_code(identifier)
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        page = re.sub(r'value="[^"]+"', "", page)
        page = re.sub(r"\w\w•+@example\.com", "MASKED", page)  # the one place the address appears
        return response.status_code, response.headers["Location"], page

    known, unknown = answer("known@example.com"), answer("other@example.com")
    assert known[:2] == unknown[:2]
    assert known[2] == unknown[2]


def test_session_id_changes_at_login(client, app, auth):
    """Is the pre-login session cookie replaced at login (no session fixation)?"""
    client.get("/user/login")
    before = client.get_cookie("parlor_session").value
    auth.login("kim@example.com")
    after = client.get_cookie("parlor_session").value
    assert before != after
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 1


def test_cookie_replayed_after_logout_is_refused(client, app, auth):
    """Is a copied session cookie useless once its owner logs out?"""
    auth.login("lee@example.com")
    stolen = client.get_cookie("parlor_session").value
    auth.logout()
    thief = app.test_client()
    thief.set_cookie("parlor_session", stolen)
    response = thief.get("/user/profile")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UserSession)) == 0


def test_remember_me_sets_a_lasting_cookie(client, auth):
    """Does ticking "keep me signed in" set a remember cookie, and not ticking it none?"""
    auth.login("max@example.com")
    assert client.get_cookie("parlor_remember") is None
    auth.logout()
    auth.login("max@example.com", remember="y")
    assert client.get_cookie("parlor_remember") is not None


def test_remember_cookie_alone_signs_in_until_logout(client, app, auth):
    """Does the remember cookie restore a session, and stop working after logout?"""
    auth.login("ned@example.com", remember="y")
    remember = client.get_cookie("parlor_remember").value
    fresh = app.test_client()
    fresh.set_cookie("parlor_remember", remember)
    assert fresh.get("/user/profile").status_code == 200
    auth.logout()
    later = app.test_client()
    later.set_cookie("parlor_remember", remember)
    assert later.get("/user/profile").status_code == 302


@pytest.mark.parametrize(
    "target,expected",
    [
        ("/user/profile", "/user/profile"),
        ("https://evil.example/", "/user/rooms"),
        ("//evil.example/", "/user/rooms"),
        ("/\\evil.example", "/user/rooms"),
        ("javascript:alert(1)", "/user/rooms"),
    ],
)
def test_next_only_goes_to_our_own_paths(client, auth, target, expected):
    """Does the post-login redirect follow only local paths?"""
    response = auth.login("oli@example.com", next=target)
    assert response.headers["Location"] == expected


def test_sign_in_and_out_are_recorded(client, app, auth):
    """Are sign-in and sign-out kept as account events with IP and browser?"""
    auth.login("pam@example.com")
    auth.logout()
    with app.app_context():
        events = db.session.scalars(sa.select(AccountEvent).order_by(AccountEvent.id)).all()
        assert [e.kind for e in events] == ["sign_in", "sign_out"]
        assert events[0].ip == "127.0.0.1" and events[0].user_agent


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_code_requests_are_limited_per_identifier(client, auth):
    """Are repeated code requests for one address limited, with a page saying when to retry?"""
    for _ in range(5):
        assert auth.request_code("quinn@example.com").status_code == 302
    response = auth.request_code("quinn@example.com")
    assert response.status_code == 429
    assert "try again in" in response.get_data(as_text=True)


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_a_flood_does_not_lock_the_owner_out_for_long(client, app, auth, clock):
    """After a flood against an address, can its owner sign in again within ten minutes?"""
    from app.extensions import limiter

    for _ in range(6):
        auth.request_code("rae@example.com")
    assert auth.request_code("rae@example.com").status_code == 429
    clock.advance(timedelta(minutes=10))  # the window has passed, and so has the wait between codes
    limiter.storage.reset()
    assert auth.request_code("rae@example.com").status_code == 302


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_code_checks_are_limited(client, app, auth):
    """Are code checks limited per identifier too, beyond the five tries per code?"""
    statuses = []
    for _ in range(4):
        auth.request_code("sam@example.com")
        for _ in range(4):
            statuses.append(auth.enter_code("000000").status_code)
    assert 429 in statuses


def test_verify_without_a_pending_code_goes_back_to_login(client):
    """Does the code page send people back to login when no code was asked for?"""
    response = client.get("/user/verify")
    assert response.status_code == 302 and response.headers["Location"].endswith("/user/login")


def test_logout_needs_a_post_with_csrf(client, auth):
    """Is a logout without CSRF refused, and GET only shows a confirmation?"""
    auth.login("tia@example.com")
    assert client.post("/user/logout").status_code == 400
    assert "Log out of Parlor?" in client.get("/user/logout").get_data(as_text=True)
    assert client.get("/user/profile").status_code == 200


def test_create_admin_command(app, runner):
    """Does `flask create-admin EMAIL` create or promote a staff account?"""
    result = runner.invoke(args=["create-admin", "Boss@Example.com"])
    assert "Created boss@example.com as staff" in result.output
    assert "Promoted" in runner.invoke(args=["create-admin", "boss@example.com"]).output
    with app.app_context():
        assert db.session.scalar(sa.select(User.is_staff).where(User.email == "boss@example.com"))
    assert runner.invoke(args=["create-admin", "nope"]).exit_code != 0


def test_twilio_backend_posts_to_the_provider(app):
    """Does the HTTP SMS backend make a Twilio-style authenticated REST call?"""
    import base64
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer
    from urllib.parse import parse_qs

    received = {}

    class Provider(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            received["path"] = self.path
            received["auth"] = self.headers["Authorization"]
            received["form"] = parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode())
            self.send_response(201)
            self.end_headers()
            self.wfile.write(json.dumps({"sid": "SM1"}).encode())

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Provider)
    threading.Thread(target=server.handle_request, daemon=True).start()
    from app.sms import TwilioSms

    url = f"twilio+http://AC123:secret@127.0.0.1:{server.server_port}?from=%2B4790000000"
    TwilioSms(url).send("+4791234567", "123456 is your Parlor code")
    server.server_close()
    assert received["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert received["auth"] == "Basic " + base64.b64encode(b"AC123:secret").decode()
    assert received["form"] == {"To": ["+4791234567"], "From": ["+4790000000"], "Body": ["123456 is your Parlor code"]}


def test_a_page_view_keeps_a_browser_session_alive(client, app, auth, clock):
    """Does a plain page view (no form) still move the session's last-seen time and expiry forward?"""
    auth.login("uma@example.com")
    clock.advance(timedelta(hours=11))
    assert client.get("/user/profile").status_code == 200
    with app.app_context():
        record = db.session.scalar(sa.select(UserSession))
        assert record.last_seen_at == clock.now
        assert record.expires_at == clock.now + timedelta(hours=12)
    clock.advance(timedelta(hours=11))
    assert client.get("/user/profile").status_code == 200
