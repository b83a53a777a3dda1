"""The webhooks page, the operator command, and attacks on both."""

import re

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.webhooks import delivery, services
from app.webhooks.models import WebhookDelivery, WebhookEndpoint

from .support.accounts import csrf_token

PAGE = "/user/developers/webhooks"


def add(client, url, events=("room.client.joined", "meeting.ended")):
    return client.post(PAGE, data={"csrf_token": csrf_token(client, PAGE), "url": url, "events": list(events)})


def endpoint_ids(app):
    with app.app_context():
        return db.session.scalars(sa.select(WebhookEndpoint.id)).all()


def test_signing_secret_is_shown_once(app, auth, alice):
    """Is the signing secret on the page that added the endpoint, and never again?"""
    response = add(auth.client, "https://hooks.example.com/parlor")
    assert response.status_code == 201
    with app.app_context():
        secret = db.session.scalars(sa.select(WebhookEndpoint.secret)).one()
    assert secret in response.get_data(as_text=True)
    again = auth.client.get(PAGE).get_data(as_text=True)
    assert "https://hooks.example.com/parlor" in again and secret not in again


def test_chosen_events_are_kept(app, auth, alice):
    """Does an endpoint keep exactly the events ticked on the form?"""
    add(auth.client, "https://hooks.example.com/a", events=("room.knock",))
    with app.app_context():
        assert db.session.scalars(sa.select(WebhookEndpoint.events)).one() == "room.knock"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "gopher://hooks.example.com/",
        "ftp://hooks.example.com/",
        "javascript:alert(1)",
        "https://user:pass@hooks.example.com/",
        "https://",
        "not a url",
        "https://hooks.example.com:99999/",
    ],
)
def test_urls_we_must_not_call_are_refused(app, auth, alice, url):
    """Are non-http(s) URLs, credentials and malformed URLs refused with the form, not a 500?"""
    response = add(auth.client, url)
    assert response.status_code == 400
    assert endpoint_ids(app) == []


@pytest.mark.config(WEBHOOKS_ALLOW_LOCAL=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",
        "https://localhost/",
        "https://127.0.0.1:5000/",
        "https://169.254.169.254/latest/meta-data/",
        "https://10.0.0.7/",
        "https://[::1]/",
        "https://app.localhost/",
    ],
)
def test_production_refuses_plain_http_and_our_own_network(app, auth, alice, url):
    """Outside development, are plain http and private or loopback addresses refused?"""
    assert add(auth.client, url).status_code == 400
    assert endpoint_ids(app) == []


@pytest.mark.config(WEBHOOKS_ALLOW_LOCAL=False)
def test_delivery_refuses_a_name_that_resolves_into_our_network(app, monkeypatch, receiver):
    """Is a public-looking name that resolves to a private address not called at delivery time?"""
    real = services.socket.getaddrinfo

    def resolve(host, *args, **kwargs):  # only our name is faked: other threads keep resolving for real
        if host == "hooks.example.com":
            return [(2, 1, 6, "", ("10.1.2.3", 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(services.socket, "getaddrinfo", resolve)
    with app.app_context():
        code, error = delivery.post("https://hooks.example.com/x", "s", "evt_1", "{}")
    assert code is None and "private" in error
    assert receiver.requests == []


def test_another_accounts_endpoint_and_log_are_not_found(app, auth, alice, make_user):
    """Can a signed-in person see or delete another account's endpoint by its number?"""
    with app.app_context():
        other = db.session.get(User, make_user("mallory-victim@example.com"))
        endpoint = WebhookEndpoint(user=other, url="https://victim.example/hook", events="meeting.ended")
        db.session.add(endpoint)
        db.session.flush()
        db.session.add(WebhookDelivery(endpoint=endpoint, event_id="evt_x", event_type="meeting.ended", payload="{}"))
        db.session.commit()
        endpoint_id = endpoint.id
    assert auth.client.get(f"{PAGE}/{endpoint_id}").status_code == 404
    response = auth.client.post(f"{PAGE}/{endpoint_id}/delete", data={"csrf_token": csrf_token(auth.client, PAGE)})
    assert response.status_code == 404
    assert endpoint_ids(app) == [endpoint_id]
    assert "victim.example" not in auth.client.get(PAGE).get_data(as_text=True)


def test_delete_needs_csrf(app, auth, alice):
    """Is a delete without the CSRF token refused?"""
    add(auth.client, "https://hooks.example.com/a")
    endpoint_id = endpoint_ids(app)[0]
    assert auth.client.post(f"{PAGE}/{endpoint_id}/delete").status_code == 400
    assert endpoint_ids(app) == [endpoint_id]


def test_own_endpoint_is_deleted_with_its_log(app, auth, alice):
    """Does deleting an endpoint take its pending deliveries with it?"""
    add(auth.client, "https://hooks.example.com/a")
    endpoint_id = endpoint_ids(app)[0]
    with app.app_context():
        db.session.add(WebhookDelivery(endpoint_id=endpoint_id, event_id="evt_1", event_type="x", payload="{}"))
        db.session.commit()
    response = auth.client.post(f"{PAGE}/{endpoint_id}/delete", data={"csrf_token": csrf_token(auth.client, PAGE)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


def test_delivery_log_shows_status_and_response_code(app, auth, alice):
    """Does the log show each delivery's status and the receiver's response code?"""
    add(auth.client, "https://hooks.example.com/a")
    endpoint_id = endpoint_ids(app)[0]
    with app.app_context():
        db.session.add(
            WebhookDelivery(
                endpoint_id=endpoint_id,
                event_id="evt_abc",
                event_type="meeting.ended",
                payload="{}",
                status="pending",
                attempts=2,
                last_response_code=503,
            )
        )
        db.session.commit()
    html = auth.client.get(f"{PAGE}/{endpoint_id}").get_data(as_text=True)
    assert "evt_abc" in html and "503" in html and "pending" in html


def test_pages_need_sign_in(client):
    """Are the webhook pages closed to visitors who are not signed in?"""
    assert client.get(PAGE).status_code == 302
    assert client.get(f"{PAGE}/1").status_code == 302


def test_operator_command_prints_the_secret_last(app, runner, make_user):
    """Does `flask api webhooks add` print the secret alone on its last line?"""
    make_user("dev@example.com")
    result = runner.invoke(
        args=["api", "webhooks", "add", "dev@example.com", "https://hooks.example.com/x", "--event", "room.knock"]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        endpoint = db.session.scalars(sa.select(WebhookEndpoint)).one()
    assert result.output.strip().splitlines()[-1] == endpoint.secret
    assert endpoint.events == "room.knock"


def test_operator_command_refuses_bad_urls_and_unknown_accounts(app, runner, make_user):
    """Does the command refuse file:// URLs and unknown accounts without a traceback?"""
    make_user("dev@example.com")
    bad = runner.invoke(args=["api", "webhooks", "add", "dev@example.com", "file:///etc/passwd"])
    nobody = runner.invoke(args=["api", "webhooks", "add", "nobody@example.com", "https://hooks.example.com/"])
    assert bad.exit_code != 0 and "https://" in bad.output
    assert nobody.exit_code != 0 and "No account" in nobody.output
    assert endpoint_ids(app) == []


def test_deliver_command_runs_one_pass(app, runner):
    """Does `flask webhooks deliver` run and say how much it tried?"""
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0 and re.search(r"0 deliveries attempted", result.output)
