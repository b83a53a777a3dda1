import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db

from .support.accounts import console_code, csrf_token


@pytest.fixture
def rich_account(app, client, auth):
    """An account with data in every category: rooms, consents, analytics, tickets, sales mail, a payment."""
    from app.account.consents import record_consent
    from app.billing.models import LedgerEntry
    from app.rooms.models import Room
    from app.site.models import ContactRequest

    auth.signup("zoe@example.com", display_name="Zoe Zeta", newsletter="y")
    token = csrf_token(client, "/support/")
    client.post(
        "/support/",
        data={
            "csrf_token": token,
            "email": "zoe@example.com",
            "subject": "Question about rooms",
            "message": "How do I lock my room please?",
        },
    )
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        db.session.add(Room(name="zoe-room", owner=user))
        db.session.add(
            ContactRequest(
                name="Zoe Zeta", email="zoe@example.com", team_size="1-10", message="Pricing for my team please"
            )
        )
        record_consent(user, "analytics", True, source="settings_page")
        db.session.add(
            LedgerEntry(
                user_id=user.id,
                kind="charge",
                amount_cents=999,
                currency="eur",
                description="Parlor Pro, monthly",
                billing_email="zoe@example.com",
                billing_name="Zoe Zeta",
                billing_country="NO",
                location_country="NO",
                stripe_ref="ch_test_zoe",
                occurred_at=datetime(2026, 11, 1),
            )
        )
        db.session.commit()
    client.get("/zoe-room")  # an analytics event and technical log lines
    return auth


def start_deletion(client):
    return client.post("/user/privacy/delete", data={"csrf_token": csrf_token(client, "/user/privacy/delete")})


def confirm(client, code):
    return client.post(
        "/user/privacy/delete/confirm",
        data={"csrf_token": csrf_token(client, "/user/privacy/delete/confirm"), "code": code},
    )


def all_rows(app):
    """Every row of every table, as text, with the table's name."""
    with app.app_context():
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)).all():
                yield table.name, repr(tuple(row))


def test_erasure_leaves_only_the_kept_transactions(client, app, rich_account):
    """After deletion, do the email, name and IPs appear nowhere but the kept transaction records?"""
    from app.usage import techlog

    start_deletion(client)
    response = confirm(client, console_code(app, "zoe@example.com"))
    assert response.headers["Location"].endswith("/user/privacy/deleted")
    for table, row in all_rows(app):
        if table == "billing_transactions":
            continue
        for secret in ("zoe@example.com", "Zoe Zeta", "zoe-room", "127.0.0.1"):
            assert secret not in row, f"{secret} survives in {table}: {row}"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
        for path in techlog.log_files():
            for line in path.read_text().splitlines():
                entry = json.loads(line)
                assert entry["ip"] != "127.0.0.1" and entry["user_id"] is None
    kept = [row for table, row in all_rows(app) if table == "billing_transactions"]
    assert len(kept) == 1 and "zoe@example.com" in kept[0] and "None" in kept[0]


def test_erasure_ends_every_session_and_confirms(client, app, rich_account):
    """Are all sessions ended (another browser too) and a confirmation sent to the deleted address?"""
    other = app.test_client()
    other.set_cookie("parlor_session", client.get_cookie("parlor_session").value)
    start_deletion(client)
    confirm(client, console_code(app, "zoe@example.com"))
    assert client.get("/user/profile").status_code == 302
    assert other.get("/user/profile").status_code == 302
    last = app.extensions["parlor_mail"].outbox[-1]
    assert last["To"] == "zoe@example.com" and "deleted" in last["Subject"]


def test_wrong_code_deletes_nothing(client, app, rich_account, count):
    """Does a wrong confirmation code leave the account intact?"""
    start_deletion(client)
    response = confirm(client, "000000")
    assert response.status_code == 400
    assert count(User) == 1
    assert client.get("/user/profile").status_code == 200


def test_expired_code_deletes_nothing(client, app, rich_account, clock, count):
    """Does an expired confirmation code leave the account intact?"""
    from datetime import timedelta

    start_deletion(client)
    code = console_code(app, "zoe@example.com")
    clock.advance(timedelta(minutes=11))
    assert "expired" in confirm(client, code).get_data(as_text=True)
    assert count(User) == 1


def test_sign_in_code_cannot_confirm_deletion(client, app, rich_account, count):
    """Is only a fresh deletion code accepted, not an old sign-in code?"""
    start_deletion(client)
    with app.app_context():
        from app.auth.codes import SIGN_IN, issue_code

        _, sign_in_code = issue_code("zoe@example.com", SIGN_IN)
        db.session.commit()
    deletion_code = console_code(app, "zoe@example.com")
    if sign_in_code != deletion_code:  # one chance in a million they are the same digits
        assert confirm(client, sign_in_code).status_code == 400
        assert count(User) == 1


def test_forged_deletion_is_refused(app, client, rich_account, count):
    """Is a deletion without CSRF, or from another session, refused?"""
    assert client.post("/user/privacy/delete").status_code == 400
    stranger = app.test_client()
    assert stranger.post("/user/privacy/delete/confirm", data={"code": "123456"}).status_code in (302, 400)
    assert count(User) == 1
