import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa

from app.account.consents import ConsentEvent, consent_state, has_consent, record_consent
from app.auth.models import User
from app.extensions import db
from app.site import legal
from app.usage.models import UsageEvent

from .support.accounts import console_code, csrf_token


def the_user(app, email="pia@example.com"):
    with app.app_context():
        return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def pia(auth):
    auth.signup("pia@example.com", display_name="Pia Privacy")
    return auth


# ---------------------------------------------------------------- consents
def test_consent_state_is_derived_from_an_append_only_log(app, make_user):
    """Are consent changes appended, never edited, with the current state read from the latest?"""
    with app.app_context():
        user = db.session.get(User, make_user("log@example.com"))
        first = record_consent(user, "newsletter", True, source="settings_page")
        db.session.commit()
        snapshot = (first.id, first.granted, first.created_at)
        record_consent(user, "newsletter", False, source="unsubscribe_link")
        record_consent(user, "analytics", True, source="cookie_banner")
        db.session.commit()
        rows = db.session.scalars(sa.select(ConsentEvent).order_by(ConsentEvent.id)).all()
        assert [(r.purpose, r.granted, r.source) for r in rows] == [
            ("newsletter", True, "settings_page"),
            ("newsletter", False, "unsubscribe_link"),
            ("analytics", True, "cookie_banner"),
        ]
        assert (rows[0].id, rows[0].granted, rows[0].created_at) == snapshot
        assert all(r.policy_version == legal.current("privacy-policy").version_id for r in rows)
        state = consent_state(user)
        assert state["newsletter"].granted is False and state["analytics"].granted is True
        assert state["digest"] is None and not has_consent(user, "digest")


def test_signup_newsletter_box_is_logged_as_a_consent(app, auth):
    """Does ticking the newsletter box at sign-up log a consent from the sign-up form?"""
    auth.signup("sig@example.com", newsletter="y")
    with app.app_context():
        event = db.session.scalar(sa.select(ConsentEvent))
        assert (event.purpose, event.granted, event.source) == ("newsletter", True, "signup_form")


def test_one_click_give_and_withdraw(client, app, pia):
    """Can each consent be given and withdrawn with one click on the consents page?"""
    page = client.get("/user/privacy/consents").get_data(as_text=True)
    for purpose in ("newsletter", "digest", "activity", "analytics"):
        assert f'data-purpose="{purpose}"' in page
    token = csrf_token(client, "/user/privacy/consents")
    client.post("/user/privacy/consents", data={"csrf_token": token, "purpose": "digest", "granted": "1"})
    with app.app_context():
        assert has_consent(db.session.get(User, the_user(app).id), "digest")
    client.post("/user/privacy/consents", data={"csrf_token": token, "purpose": "digest", "granted": "0"})
    with app.app_context():
        user = db.session.get(User, the_user(app).id)
        assert not has_consent(user, "digest")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ConsentEvent)) == 2
    assert "Withdrawn" in client.get("/user/privacy/consents").get_data(as_text=True)


def test_bad_consent_requests_change_nothing(client, app, pia, count):
    """Is an unknown purpose or a forged (CSRF-less) consent form refused, with nothing logged?"""
    token = csrf_token(client, "/user/privacy/consents")
    assert (
        client.post("/user/privacy/consents", data={"csrf_token": token, "purpose": "spam", "granted": "1"}).status_code
        == 400
    )
    assert client.post("/user/privacy/consents", data={"purpose": "newsletter", "granted": "1"}).status_code == 400
    assert count(ConsentEvent) == 0


# ---------------------------------------------------------------- cookie banner and the cookie list
def cookie_names(response):
    return {header.split("=", 1)[0] for header in response.headers.getlist("Set-Cookie")}


def test_banner_until_the_visitor_chooses(client):
    """Does every visitor see the banner, with accept and reject equally easy, until they choose?"""
    html = client.get("/").get_data(as_text=True)
    assert "Cookies on Parlor" in html
    accept = re.search(r'<button type="submit" name="choice" value="accept" class="([^"]+)"', html).group(1)
    reject = re.search(r'<button type="submit" name="choice" value="reject" class="([^"]+)"', html).group(1)
    assert accept == reject
    response = client.post(
        "/user/privacy/cookies",
        data={"csrf_token": csrf_token(client, "/"), "choice": "reject", "next": "/information/features/"},
    )
    assert response.headers["Location"] == "/information/features/"
    assert client.get_cookie("parlor_consent").value == "necessary"
    assert "Cookies on Parlor" not in client.get("/").get_data(as_text=True)


def test_only_necessary_cookies_before_a_choice(client):
    """Before choosing, does browsing (even forms) set nothing but the necessary session cookie?"""
    names = set()
    for path in ("/", "/information/pricing/", "/support/", "/user/login", "/information/contact-sales/"):
        names |= cookie_names(client.get(path))
    assert names <= {"parlor_session"}


def test_banner_choice_is_logged_for_signed_in_users(client, app, pia):
    """Is a signed-in person's banner choice logged as an analytics consent from the cookie banner?"""
    client.post("/user/privacy/cookies", data={"csrf_token": csrf_token(client, "/"), "choice": "accept"})
    with app.app_context():
        event = db.session.scalar(sa.select(ConsentEvent))
        assert (event.purpose, event.granted, event.source) == ("analytics", True, "cookie_banner")


def test_cookie_policy_lists_exactly_the_cookies_we_set(app, client, auth, console, make_user):
    """Does the cookie policy list every cookie the site really sets (staff's too), and no cookie it never sets?"""
    seen = set()
    for path in ("/", "/user/signup", "/support/"):
        seen |= cookie_names(client.get(path))
    seen |= cookie_names(
        client.post("/user/privacy/cookies", data={"csrf_token": csrf_token(client, "/"), "choice": "accept"})
    )
    auth.request_code("cookie@example.com", path="/user/signup", accept_terms="y", remember="y")
    seen |= cookie_names(auth.enter_code(console_code(app, "cookie@example.com")))
    seen |= cookie_names(client.get("/user/profile"))
    seen |= cookie_names(auth.logout())
    make_user("staff@example.com", is_staff=True)
    auth.login("staff@example.com")
    console.ask_device_code()
    seen |= cookie_names(console.enter_device_code(console_code(app, "staff@example.com")))
    policy = client.get("/information/tos/cookie-policy/").get_data(as_text=True)
    listed = set(re.findall(r"<td><code>([a-z_]+)</code></td>", policy))
    assert seen == listed, (seen, listed)


# ---------------------------------------------------------------- usage information
def test_no_analytics_without_consent(client, count):
    """Without analytics consent, are page visits left unrecorded?"""
    client.get("/")
    client.set_cookie("parlor_consent", "necessary")
    client.get("/information/features/")
    assert count(UsageEvent) == 0


def test_analytics_with_consent_carry_device_and_country(client, app):
    """With consent, is a page visit recorded with device type, OS, browser and country (from the IP)?"""
    client.set_cookie("parlor_consent", "analytics")
    agent = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/17.0 Mobile/15E148 Safari/604.1"
    )
    client.get("/information/pricing/", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": "8.8.8.8"})
    with app.app_context():
        event = db.session.scalar(sa.select(UsageEvent))
        assert (event.kind, event.path, event.user_id) == ("page_visited", "/information/pricing/", None)
        assert (event.device_type, event.os, event.browser, event.country) == ("mobile", "iOS", "Mobile Safari", "US")


def test_signed_in_analytics_follow_the_account_consent(client, app, pia):
    """For a signed-in person, does the account's consent (not the cookie) decide, and link the event?"""
    client.set_cookie("parlor_consent", "analytics")
    client.get("/information/features/")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UsageEvent)) == 0
        record_consent(db.session.get(User, the_user(app).id), "analytics", True, source="settings_page")
        db.session.commit()
    client.get("/information/features/")
    with app.app_context():
        assert db.session.scalar(sa.select(UsageEvent.user_id)) == the_user(app).id


def test_technical_log_lines_hold_exactly_what_the_policy_says(client, app):
    """Is each request logged as one JSON line with time, IP, path, user agent and language only?"""
    from app.usage import techlog

    client.get("/information/press/", headers={"User-Agent": "TestAgent/1.0", "Accept-Language": "nb-NO,nb;q=0.9"})
    with app.app_context():
        [path] = techlog.log_files()
        line = json.loads(path.read_text().splitlines()[-1])
    assert set(line) == {"time", "ip", "method", "path", "status", "user_agent", "language", "user_id"}
    assert (line["path"], line["user_agent"], line["language"], line["ip"]) == (
        "/information/press/",
        "TestAgent/1.0",
        "nb-NO,nb;q=0.9",
        "127.0.0.1",
    )


# ---------------------------------------------------------------- dashboard and export
def test_dashboard_lists_every_category(client, pia):
    """Does the privacy dashboard show each category with a count, legal ground and deletion rule?"""
    html = client.get("/user/privacy/").get_data(as_text=True)
    for key in ("account", "rooms", "transactions", "usage", "support", "correspondence", "consents", "sign_ins"):
        assert f'data-category="{key}"' in html
    assert "GDPR art. 6(1)(b)" in html and "days after" in html


def test_every_table_that_refers_to_a_user_is_exported(app):
    """Walking the schema: is every table with a link to users in the export, every column described?"""
    from app.privacy.inventory import categories

    with app.app_context():
        covered = {source.table: source for category in categories() for source in category.sources}
        for table in db.metadata.sorted_tables:
            refers = table.name == "users" or any(fk.column.table.name == "users" for fk in table.foreign_keys)
            if refers:
                assert table.name in covered, f"{table.name} refers to users but is not exported"
        for name, source in covered.items():
            columns = set(db.metadata.tables[name].columns.keys())
            assert columns == set(source.fields) | set(source.withheld), (
                name,
                columns ^ (set(source.fields) | set(source.withheld)),
            )


def test_export_zip(client, app, pia):
    """Does the export hold one JSON file per category, the picture and a README explaining the fields?"""
    from PIL import Image

    picture = io.BytesIO()
    Image.new("RGB", (64, 64), (10, 200, 30)).save(picture, format="PNG")
    client.post(
        "/user/profile/picture",
        data={"csrf_token": csrf_token(client, "/user/profile"), "picture": (io.BytesIO(picture.getvalue()), "me.png")},
        content_type="multipart/form-data",
    )
    response = client.post("/user/privacy/export", data={"csrf_token": csrf_token(client, "/user/privacy/export")})
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = set(archive.namelist())
    assert {
        "account.json",
        "rooms.json",
        "usage.json",
        "sign_ins.json",
        "support.json",
        "correspondence.json",
        "consents.json",
        "transactions.json",
        "README.txt",
        "avatar.webp",
    } <= names
    account = json.loads(archive.read("account.json"))
    assert account["users"][0]["email"] == "pia@example.com"
    assert account["users"][0]["display_name"] == "Pia Privacy"
    sign_ins = json.loads(archive.read("sign_ins.json"))
    assert sign_ins["account_events"][0]["ip"] == "127.0.0.1"
    assert "code_hash" not in json.dumps(sign_ins)
    readme = archive.read("README.txt").decode()
    assert "display_name: The name shown on your video tile." in readme


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_export_is_limited_to_a_few_a_day(client, pia):
    """Are exports limited to three a day?"""
    statuses = [
        client.post("/user/privacy/export", data={"csrf_token": csrf_token(client, "/user/privacy/export")}).status_code
        for _ in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_export_needs_the_owner_and_csrf(app, client, pia):
    """Can an export not be forged without CSRF, nor fetched without a session?"""
    assert client.post("/user/privacy/export").status_code == 400
    stranger = app.test_client()
    assert stranger.post("/user/privacy/export").status_code in (302, 400)
    assert stranger.get("/user/privacy/export").headers["Location"].startswith("/user/login")


def test_dashboard_says_how_long_earlier_addresses_are_kept_and_why(client, pia):
    """Does the dashboard list earlier contact details with their legal ground and retention period?"""
    html = client.get("/user/privacy/").get_data(as_text=True)
    assert 'data-category="earlier_contacts"' in html
    assert "Earlier contact details" in html and "days after you replaced the address" in html


def test_privacy_centre_reads_only_the_registry():
    """Do the dashboard, export, erasure and retention modules import no feature, only the registry?"""
    import ast
    from pathlib import Path

    import app.privacy

    shared = {"extensions", "timeutil", "mail", "sms"}
    for name in ("registry", "inventory", "export", "erasure", "retention"):
        tree = ast.parse((Path(app.privacy.__file__).parent / f"{name}.py").read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.level == 2 or (node.module or "").startswith("app.")):
                package = node.module.removeprefix("app.").split(".")[0]
                assert package in shared, f"app/privacy/{name}.py imports app.{node.module}"
