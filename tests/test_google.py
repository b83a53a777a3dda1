from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from app.auth.models import AccountEvent, OAuthIdentity, User
from app.extensions import db

from .support.oidc import Provider


@pytest.fixture(scope="module")
def provider():
    server = Provider().start()
    yield server
    server.stop()


@pytest.fixture
def config_overrides(provider):
    provider.overrides = {}
    provider.sign_with = None
    return {
        "OIDC_DISCOVERY_URL": provider.discovery_url,
        "OIDC_CLIENT_ID": provider.client_id,
        "OIDC_CLIENT_SECRET": provider.client_secret,
        "SERVER_NAME": "parlor.test",
    }


def start(client):
    """Begin sign-in: our app redirects to the provider, which (over real HTTP) redirects back."""
    response = client.get("/user/login/google")
    assert response.status_code == 302
    at_provider = requests.get(response.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302
    back = urlsplit(at_provider.headers["Location"])
    return back.path, {k: v[0] for k, v in parse_qs(back.query).items()}


def finish(client, path, params):
    return client.get(path, query_string=params)


def users(app):
    with app.app_context():
        return db.session.scalars(sa.select(User)).all()


def test_google_button_is_hidden_without_configuration(client, app):
    """Is Google sign-in hidden (and its URL 404) while no client id is configured?"""
    app.config["OIDC_CLIENT_ID"] = None
    assert "Log in with Google" not in client.get("/user/login").get_data(as_text=True)
    assert client.get("/user/login/google").status_code == 404


def test_sign_up_with_google(client, app, provider):
    """Does a first Google sign-in create an account keyed on issuer and subject, with name and picture URL?"""
    assert "Log in with Google" in client.get("/user/login").get_data(as_text=True)
    path, params = start(client)
    assert provider.codes[params["code"]], "our app must send a nonce"
    response = finish(client, path, params)
    assert response.status_code == 302 and response.headers["Location"].endswith("/user/rooms")
    [user] = users(app)
    assert (user.email, user.display_name, user.provider_picture_url) == (
        "gina@example.com",
        "Gina Google",
        "https://pictures.example/gina.png",
    )
    with app.app_context():
        identity = db.session.scalar(sa.select(OAuthIdentity))
        assert (identity.issuer, identity.subject) == (provider.issuer, "google-user-1")
        assert db.session.scalar(sa.select(AccountEvent.kind)) == "sign_in_google"
    assert client.get("/user/profile").status_code == 200


def test_verified_email_links_to_the_existing_account(client, app, provider, make_user):
    """Does a verified Google email that matches an existing account link to it rather than duplicate?"""
    existing = make_user("gina@example.com")
    finish(client, *start(client))
    assert [u.id for u in users(app)] == [existing]
    with app.app_context():
        assert db.session.scalar(sa.select(OAuthIdentity.user_id)) == existing


def test_unverified_email_does_not_link(client, app, provider, make_user):
    """Is an unverified provider email refused instead of taking over an account?"""
    make_user("gina@example.com")
    provider.overrides = {"email_verified": False}
    response = finish(client, *start(client))
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(OAuthIdentity)) == 0


def refused(client, app, response):
    assert response.status_code == 303
    assert users(app) == []
    assert client.get("/user/profile").status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nothing was changed" in page or "did not complete" in page


def test_missing_state_is_refused(client, app, provider):
    """Is a callback without its state refused, changing nothing?"""
    path, params = start(client)
    params.pop("state")
    refused(client, app, finish(client, path, params))


def test_wrong_state_is_refused(client, app, provider):
    """Is a callback with another state refused?"""
    path, params = start(client)
    params["state"] = "forged-state"
    refused(client, app, finish(client, path, params))


def test_wrong_nonce_is_refused(client, app, provider):
    """Is an ID token carrying another nonce refused?"""
    provider.overrides = {"nonce": "not-the-one-we-sent"}
    refused(client, app, finish(client, *start(client)))


def test_wrong_audience_is_refused(client, app, provider):
    """Is an ID token for another client refused?"""
    provider.overrides = {"aud": "someone-else"}
    refused(client, app, finish(client, *start(client)))


def test_expired_token_is_refused(client, app, provider):
    """Is an expired ID token refused?"""
    provider.overrides = {"exp": 1_000_000_000, "iat": 999_999_000}
    refused(client, app, finish(client, *start(client)))


def test_wrong_issuer_is_refused(client, app, provider):
    """Is an ID token from another issuer refused?"""
    provider.overrides = {"iss": "https://evil.example"}
    refused(client, app, finish(client, *start(client)))


def test_bad_signature_is_refused(client, app, provider):
    """Is an ID token signed with a key the provider did not publish refused?"""
    provider.sign_with = provider.other_key
    refused(client, app, finish(client, *start(client)))


def test_provider_error_is_refused(client, app, provider):
    """Does an error answer from the provider (user cancelled) change nothing?"""
    path, params = start(client)
    refused(client, app, client.get(path, query_string={"error": "access_denied", "state": params["state"]}))
