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


# ---------------------------------------------------------------- records filed under earlier addresses
def change_contact(client, app, new):
    """Move the signed-in account to ``new`` through the profile page (codes sent to the new and current address)."""
    from app.auth.codes import CHANGE_CONTACT
    from app.auth.models import LoginCode

    client.post("/user/profile/contact", data={"csrf_token": csrf_token(client, "/user/profile"), "identifier": new})
    with app.app_context():
        current = db.session.scalar(
            sa.select(LoginCode.identifier)
            .where(LoginCode.purpose == CHANGE_CONTACT, LoginCode.identifier != new)
            .order_by(LoginCode.id.desc())
        )
    return client.post(
        "/user/profile/contact/verify",
        data={
            "csrf_token": csrf_token(client, "/user/profile/contact/verify"),
            "code": console_code(app, new),
            "old_code": console_code(app, current),
        },
    )


def file_ticket(app, email):
    """A ticket from someone not signed in, so only its address ties it to a person."""
    stranger = app.test_client()
    stranger.post(
        "/support/",
        data={
            "csrf_token": csrf_token(stranger, "/support/"),
            "email": email,
            "subject": "Billing question",
            "message": "Please call me back about my invoice.",
        },
    )


def file_enquiry(app, email):
    from app.site.models import ContactRequest

    with app.app_context():
        db.session.add(ContactRequest(name="Yan", email=email, team_size="1-10", message="A quote for ten people"))
        db.session.commit()


@pytest.fixture
def moved_twice(app, client, auth):
    """Yan signs up as first@, files a ticket, moves to second@, files an enquiry, moves to third@."""
    auth.signup("yan.first@example.com")
    file_ticket(app, "Yan.First@Example.com")
    change_contact(client, app, "yan.second@example.com")
    file_enquiry(app, "yan.second@example.com")
    change_contact(client, app, "yan.third@example.com")
    return auth


def test_erasure_finds_records_filed_under_earlier_addresses(client, app, moved_twice, count):
    """After two email changes, are a ticket under the first address and an enquiry under the second erased?"""
    from app.privacy.models import EarlierContact
    from app.site.models import ContactRequest
    from app.support.models import SupportTicket

    assert (count(SupportTicket), count(ContactRequest), count(EarlierContact)) == (1, 1, 2)
    start_deletion(client)
    confirm(client, console_code(app, "yan.third@example.com"))
    assert (count(User), count(SupportTicket), count(ContactRequest), count(EarlierContact)) == (0, 0, 0, 0)


def test_export_shows_records_filed_under_earlier_addresses(client, app, moved_twice):
    """Does the export hold the ticket and enquiry filed under addresses the person has since replaced?"""
    import io
    import zipfile

    response = client.post("/user/privacy/export", data={"csrf_token": csrf_token(client, "/user/privacy/export")})
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert json.loads(archive.read("support.json"))["support_tickets"][0]["email"] == "Yan.First@Example.com"
    assert json.loads(archive.read("correspondence.json"))["contact_requests"][0]["email"] == "yan.second@example.com"
    earlier = json.loads(archive.read("earlier_contacts.json"))["earlier_contacts"]
    assert sorted(row["kind"] for row in earlier) == ["email", "email"]
    assert "contact_hash" not in json.dumps(earlier)


def test_records_filed_after_an_address_was_given_up_are_not_erased(client, app, moved_twice, count):
    """Is a ticket filed under an old address after the person replaced it (maybe by its next owner) kept?"""
    from app.support.models import SupportTicket

    file_ticket(app, "yan.first@example.com")
    assert count(SupportTicket) == 2
    start_deletion(client)
    confirm(client, console_code(app, "yan.third@example.com"))
    with app.app_context():
        assert db.session.scalars(sa.select(SupportTicket.email)).all() == ["yan.first@example.com"]


def test_earlier_addresses_are_kept_only_as_keyed_hashes(client, app, moved_twice):
    """Is a replaced address stored only as an HMAC under a key from SECRET_KEY, never in the clear?"""
    import hashlib
    import hmac

    from app.privacy.contacts import contact_hash
    from app.privacy.models import EarlierContact

    with app.app_context():
        hashes = set(db.session.scalars(sa.select(EarlierContact.contact_hash)))
        assert hashes == {contact_hash("yan.first@example.com"), contact_hash("yan.second@example.com")}
        rows = [row for table, row in all_rows(app) if table == "earlier_contacts"]
        assert not any("yan." in row for row in rows)
        assert hashlib.sha256(b"yan.first@example.com").hexdigest() not in hashes
        assert hmac.new(b"", b"yan.first@example.com", hashlib.sha256).hexdigest() not in hashes
        app.config["SECRET_KEY"] = "another-secret-key-for-this-test-only"
        assert contact_hash("yan.first@example.com") not in hashes


@pytest.mark.config(
    STRIPE_SECRET_KEY="sk_test_unreachable",
    STRIPE_PUBLISHABLE_KEY="pk_test_unreachable",
    STRIPE_WEBHOOK_SECRET="whsec_unreachable",
    STRIPE_API_BASE="http://127.0.0.1:9",
)
def test_erasure_waits_until_billing_can_stop(client, app, auth, count):
    """When Stripe cannot be reached to stop a subscription, is nothing erased and the person told why?"""
    from app.billing.models import BillingAccount
    from app.support.models import SupportTicket

    auth.signup("paying@example.com")
    file_ticket(app, "paying@example.com")
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        db.session.add(BillingAccount(user_id=user.id, stripe_customer_id="cus_1", stripe_subscription_id="sub_1"))
        db.session.commit()
    start_deletion(client)
    response = confirm(client, console_code(app, "paying@example.com"))
    assert response.headers["Location"].endswith("/user/privacy/delete")
    assert "Your account was not deleted" in client.get("/user/privacy/delete").get_data(as_text=True)
    assert (count(User), count(SupportTicket), count(BillingAccount)) == (1, 1, 1)


def test_records_of_an_address_s_previous_owner_are_not_erased(app, client, moved_twice, count):
    """When someone new signs up with an address Yan gave up, does their erasure leave Yan's old ticket alone?"""
    from app.support.models import SupportTicket

    auth = moved_twice
    auth.logout()
    auth.signup("yan.first@example.com")
    start_deletion(client)
    confirm(client, console_code(app, "yan.first@example.com"))
    assert (count(User), count(SupportTicket)) == (1, 1)


def test_codes_sent_to_an_earlier_phone_number_are_erased(client, app, auth, count):
    """After a phone number change, does erasure also delete the sign-in codes sent to the old number?"""
    from app.auth.models import LoginCode
    from app.privacy.models import EarlierContact

    auth.signup("+4791234567")
    change_contact(client, app, "+4741234567")
    with app.app_context():
        assert db.session.scalar(sa.select(EarlierContact.kind)) == "phone"
        assert "+4791234567" in db.session.scalars(sa.select(LoginCode.identifier)).all()
    start_deletion(client)
    confirm(client, console_code(app, "+4741234567"))
    assert (count(User), count(LoginCode), count(EarlierContact)) == (0, 0, 0)
