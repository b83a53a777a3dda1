"""Attacks on /v1: no key, a forged or revoked key, another account's meetings, floods. Every
refusal is JSON in the one error shape, never HTML."""

import pytest
import sqlalchemy as sa

from app.api import meetings
from app.api.models import ApiKey
from app.auth.models import User
from app.extensions import db

from .support.api import end_in


def error_of(response):
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    body = response.get_json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "field"}
    return body["error"]


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic ZGV2OnNlY3JldA==", "Bearer prl_not-a-real-key", "Bearer " + "x" * 5000],
)
def test_missing_or_garbage_key_is_refused(client, api, authorization):
    """Does a request without a valid key get a JSON 401, whatever it sends instead?"""
    headers = {"Authorization": authorization} if authorization is not None else {}
    response = client.get("/v1/meetings", headers=headers)
    assert response.status_code == 401 and error_of(response)["field"] == "Authorization"


def test_a_key_from_another_app_secret_is_refused(app, client, make_api_key):
    """Is a key refused once the secret its hash was made with changes?"""
    key = make_api_key()
    app.config["API_KEY_SECRET"] = "a-new-secret"
    assert client.get("/v1/meetings", headers={"Authorization": f"Bearer {key}"}).status_code == 401


def test_revoked_key_is_refused(app, api):
    """Is a key refused once its row is gone (revoked)?"""
    with app.app_context():
        db.session.execute(sa.delete(ApiKey))
        db.session.commit()
    response = api.get("/meetings")
    assert response.status_code == 401 and error_of(response)["code"] == "unauthorized"


def test_other_accounts_meeting_is_not_found(api, other_api):
    """Does another account's key get 404, as for no meeting at all, on read and delete, and not see it listed?"""
    meeting = api.create_meeting()
    for response in (
        other_api.get(f"/meetings/{meeting['meetingId']}"),
        other_api.delete(f"/meetings/{meeting['meetingId']}"),
    ):
        assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert other_api.get("/meetings").get_json()["results"] == []
    assert api.get(f"/meetings/{meeting['meetingId']}").status_code == 200


def test_downgraded_account_is_refused(app, api):
    """Once the account's plan no longer includes the API, is its key refused with 403?"""
    with app.app_context():
        db.session.execute(sa.update(User).values(plan="pro"))
        db.session.commit()
    response = api.post("/meetings", json={"endDate": end_in()})
    assert response.status_code == 403 and error_of(response)["code"] == "plan_without_api"


def test_api_needs_no_csrf_token_but_ignores_cookies(app, auth, make_user):
    """Does a signed-in browser session without a key still get 401 (cookies never authenticate /v1)?"""
    make_user("dev@example.com", plan="embedded")
    auth.login("dev@example.com")
    response = auth.client.post("/v1/meetings", json={"endDate": end_in()})
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/v1/nothing-here", 404),
        ("get", "/v1", 404),
        ("put", "/v1/meetings", 405),
        ("patch", "/v1/meetings/abc", 405),
    ],
)
def test_unknown_addresses_and_methods_answer_json(api, client, method, path, status):
    """Do unknown /v1 addresses and methods answer in the JSON error shape, not the HTML error page?"""
    response = getattr(client, method)(path, headers=api.headers())
    assert response.status_code == status and error_of(response)
    if status == 405:
        assert "GET" in response.headers["Allow"] or "DELETE" in response.headers["Allow"]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ("{", 400, None),
        ("[]", 422, None),
        ('{"endDate": 5}', 422, "endDate"),
        ('{"endDate": "tomorrow"}', 422, "endDate"),
        ('{"endDate": "2026-12-01T10:00:00Z", "isLocked": "true"}', 422, "isLocked"),
        ('{"endDate": "2026-12-01T10:00:00Z", "surprise": 1}', 422, "surprise"),
        ('{"endDate": "2026-12-01T10:00:00Z", "roomMode": "huge"}', 422, "roomMode"),
        ('{"endDate": "2026-12-01T10:00:00Z", "fields": ["password"]}', 422, "fields.0"),
    ],
)
def test_malformed_bodies_are_refused_with_the_field(api, body, status, field):
    """Does a malformed or wrongly typed body get a 4xx naming the field, never a 500?"""
    response = api.post("/meetings", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == status and error_of(response)["field"] == field


def test_unexpected_errors_answer_json(app, api, monkeypatch):
    """Should something break inside an endpoint, is the answer still the JSON error shape?"""

    def broken(*args):
        raise RuntimeError("boom")

    monkeypatch.setattr(meetings, "page_of", broken)
    response = api.get("/meetings")
    assert response.status_code == 500 and error_of(response)["code"] == "internal_error"


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_each_key_has_its_own_rate_limit_announced_in_headers(api, other_api):
    """Are requests limited per key, with RateLimit-* headers, and a JSON 429 past the limit?"""
    first = api.get("/meetings")
    assert first.headers["RateLimit-Limit"] == "3" and first.headers["RateLimit-Remaining"] == "2"
    assert int(first.headers["RateLimit-Reset"]) <= 60
    api.get("/meetings")
    api.get("/meetings")
    refused = api.get("/meetings")
    assert refused.status_code == 429 and error_of(refused)["code"] == "rate_limited"
    assert refused.headers["RateLimit-Remaining"] == "0" and "Retry-After" in refused.headers
    assert other_api.get("/meetings").status_code == 200


@pytest.mark.config(RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute")
def test_invented_keys_share_one_budget(client):
    """Does sending a new made-up key each time still run into the network's limit?"""
    answers = [
        client.get("/v1/meetings", headers={"Authorization": f"Bearer prl_invented{i}"}).status_code for i in range(4)
    ]
    assert answers == [401, 401, 401, 429]
