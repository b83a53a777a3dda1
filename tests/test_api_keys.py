"""API keys: made on /user/developers or by `flask api keys`, kept only as a keyed hash, shown once."""

import hashlib
import hmac
import re

import sqlalchemy as sa

from app.api.models import ApiKey, IdempotencyRecord, Meeting
from app.auth.models import User
from app.extensions import db
from app.privacy.erasure import erase_account_and_commit
from app.rooms.models import Room

from .support.accounts import csrf_token
from .support.api import ApiClient, end_in

KEY_RE = re.compile(r'id="new-api-key"[^>]*value="(prl_[^"]+)"')


def create_on_page(client, name="booking server"):
    token = csrf_token(client, "/user/developers")
    return client.post("/user/developers/keys", data={"csrf_token": token, "name": name})


def stored_keys(app):
    with app.app_context():
        return db.session.scalars(sa.select(ApiKey)).all()


def test_key_is_stored_as_an_hmac_and_its_last_four(app, make_api_key):
    """Is a key kept only as HMAC-SHA256 with the app secret, plus its last four characters?"""
    key = make_api_key()
    (record,) = stored_keys(app)
    expected = hmac.new(app.config["SECRET_KEY"].encode(), key.encode(), hashlib.sha256).hexdigest()
    assert record.digest == expected and record.last4 == key[-4:]
    with app.app_context():
        assert key not in repr(db.session.execute(sa.text("SELECT * FROM api_keys")).all())


def test_page_shows_a_new_key_once(client, auth, make_user):
    """Does /user/developers show a new key in the answer to its creation, and never again?"""
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    response = create_on_page(client)
    assert response.status_code == 201 and response.headers["Cache-Control"] == "no-store"
    key = KEY_RE.search(response.get_data(as_text=True)).group(1)
    page = client.get("/user/developers").get_data(as_text=True)
    assert key not in page and f"…{key[-4:]}" in page and "booking server" in page and "Never" in page


def test_page_key_works_and_records_last_use(app, client, auth, make_user):
    """Does a key made on the page open the API, and does the page then say when it was last used?"""
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    key = KEY_RE.search(create_on_page(client).get_data(as_text=True)).group(1)
    assert ApiClient(app.test_client(), key).get("/meetings").status_code == 200
    (record,) = stored_keys(app)
    assert record.last_used_at is not None
    assert "Never" not in client.get("/user/developers").get_data(as_text=True)


def test_revoked_key_is_refused(app, client, auth, make_user):
    """Once revoked on the page, is the key refused by the API?"""
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    key = KEY_RE.search(create_on_page(client).get_data(as_text=True)).group(1)
    (record,) = stored_keys(app)
    token = csrf_token(client, "/user/developers")
    response = client.post(f"/user/developers/keys/{record.id}/revoke", data={"csrf_token": token})
    assert response.status_code == 302 and stored_keys(app) == []
    assert ApiClient(app.test_client(), key).get("/meetings").status_code == 401


def test_revoking_someone_elses_key_is_refused(app, client, auth, make_user, make_api_key):
    """Can one account revoke another account's key by its number?"""
    make_api_key("eve@example.com")
    (theirs,) = stored_keys(app)
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    token = csrf_token(client, "/user/developers")
    assert client.post(f"/user/developers/keys/{theirs.id}/revoke", data={"csrf_token": token}).status_code == 404
    assert len(stored_keys(app)) == 1


def test_key_creation_needs_csrf(client, auth, make_user, app):
    """Is a cross-site POST that would mint a key refused?"""
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    assert client.post("/user/developers/keys", data={"name": "x"}).status_code == 400
    assert stored_keys(app) == []


def test_free_plan_cannot_create_keys(client, auth, make_user, app):
    """Does a Free account see that its plan lacks the API, and is a forged creation refused?"""
    make_user("dev@example.com", plan="free")
    auth.login("dev@example.com")
    page = client.get("/user/developers").get_data(as_text=True)
    assert "does not include the API" in page
    token = csrf_token(client, "/user/developers")
    assert client.post("/user/developers/keys", data={"csrf_token": token, "name": "x"}).status_code == 400
    assert stored_keys(app) == []


def test_business_plan_includes_the_api(client, auth, make_user):
    """Can a Business account create keys too?"""
    make_user("dev@example.com", plan="business")
    auth.login("dev@example.com")
    assert create_on_page(client).status_code == 201


def test_key_name_is_required(client, auth, make_user):
    """Does an empty key name re-render the page with an error?"""
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    response = create_on_page(client, name="  ")
    assert response.status_code == 400 and "Name the key" in response.get_data(as_text=True)


def test_cli_prints_the_key_alone_on_its_last_line(app, runner, make_user):
    """Does `flask api keys create EMAIL NAME` print a working key alone on its last line?"""
    make_user("dev@example.com", plan="embedded")
    result = runner.invoke(args=["api", "keys", "create", "dev@example.com", "ops key"])
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"prl_[A-Za-z0-9_-]{43}", key)
    assert ApiClient(app.test_client(), key).get("/meetings").status_code == 200
    listing = runner.invoke(args=["api", "keys", "list", "dev@example.com"]).output
    assert "ops key" in listing and key not in listing


def test_cli_refuses_unknown_accounts_and_plans_without_the_api(runner, make_user):
    """Does the command refuse an unknown address and an account whose plan lacks the API?"""
    make_user("free@example.com", plan="free")
    assert runner.invoke(args=["api", "keys", "create", "nobody@example.com", "x"]).exit_code != 0
    result = runner.invoke(args=["api", "keys", "create", "free@example.com", "x"])
    assert result.exit_code != 0 and "does not include the API" in result.output


def test_cli_revokes(app, runner, make_api_key):
    """Does `flask api keys revoke EMAIL ID` revoke the key?"""
    key = make_api_key()
    (record,) = stored_keys(app)
    assert runner.invoke(args=["api", "keys", "revoke", "dev@example.com", str(record.id)]).exit_code == 0
    assert ApiClient(app.test_client(), key).get("/meetings").status_code == 401


def test_erasing_the_account_erases_keys_meetings_and_kept_answers(app, api):
    """When the account is erased, do its keys, its API meetings and their rooms, and kept answers go too?"""
    api.post("/meetings", json={"endDate": end_in()}, headers={"Idempotency-Key": "k"})
    with app.app_context():
        erase_account_and_commit(db.session.scalar(sa.select(User).where(User.email == "dev@example.com")))
        for model in (ApiKey, Meeting, IdempotencyRecord, Room):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(model)) == 0, model
