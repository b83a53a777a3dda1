import shutil
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.account.consents import ConsentEvent, has_consent, record_consent
from app.auth.models import AccountEvent, LoginCode, User, UserSession
from app.extensions import db
from app.privacy.models import PolicyAcknowledgement, PolicyAnnouncement
from app.site.models import ContactRequest
from app.support.models import SupportTicket
from app.usage.models import UsageEvent

from .support.accounts import csrf_token

NOW = datetime(2026, 11, 30, 12, 0, 0)


def ago(**delta):
    return NOW - timedelta(**delta)


@pytest.fixture
def aged_data(app, clock, make_user):
    """Rows just inside and just outside each retention period (days from the config)."""
    config = app.config
    with app.app_context():
        user = db.session.get(User, make_user("old@example.com"))
        never = User(email="never@example.com", created_at=ago(days=config["UNVERIFIED_SIGNUP_RETENTION_DAYS"] + 1))
        fresh = User(email="fresh@example.com", created_at=ago(days=1))
        db.session.add_all([never, fresh])
        usage = config["USAGE_RETENTION_DAYS"]
        db.session.add_all(
            [
                UsageEvent(kind="page_visited", created_at=ago(days=usage + 1)),
                UsageEvent(kind="page_visited", created_at=ago(days=usage - 1)),
                AccountEvent(user=user, kind="sign_in", created_at=ago(days=config["SIGNIN_RETENTION_DAYS"] + 1)),
                AccountEvent(user=user, kind="sign_in", created_at=ago(days=1)),
                LoginCode(purpose="sign_in", identifier="x@example.com", code_hash="h", expires_at=ago(days=2)),
                LoginCode(purpose="sign_in", identifier="y@example.com", code_hash="h", expires_at=ago(hours=1)),
                UserSession(token_hash="a" * 64, user=user, expires_at=ago(seconds=1)),
                UserSession(token_hash="b" * 64, user=user, expires_at=NOW + timedelta(hours=1)),
                SupportTicket(
                    email="t@example.com",
                    subject="Old",
                    message="closed long ago",
                    status="closed",
                    closed_at=ago(days=config["CLOSED_TICKET_RETENTION_DAYS"] + 1),
                ),
                SupportTicket(email="t@example.com", subject="Open", message="still open", created_at=ago(days=5000)),
                ContactRequest(
                    name="A",
                    email="a@example.com",
                    team_size="1-10",
                    message="old enquiry",
                    created_at=ago(days=config["CORRESPONDENCE_RETENTION_DAYS"] + 1),
                ),
                ContactRequest(
                    name="B", email="b@example.com", team_size="1-10", message="new enquiry", created_at=ago(days=1)
                ),
            ]
        )
        db.session.commit()


def counts(app):
    models = [UsageEvent, AccountEvent, LoginCode, UserSession, SupportTicket, ContactRequest, User]
    with app.app_context():
        return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


def test_purge_deletes_exactly_what_the_rules_say(app, runner, aged_data):
    """Does `flask purge` delete what is past its period, keep the rest, and change nothing when run again?"""
    before = counts(app)
    dry = runner.invoke(args=["purge", "--dry-run"])
    assert "product analytics events: would delete 1" in dry.output
    assert counts(app) == before
    result = runner.invoke(args=["purge"])
    assert "sign-ups never confirmed: deleted 1" in result.output
    after = counts(app)
    assert after == {
        "usage_events": 1,
        "account_events": 1,
        "login_codes": 1,
        "user_sessions": 1,
        "support_tickets": 1,
        "contact_requests": 1,
        "users": 2,
    }
    assert "deleted 0" in runner.invoke(args=["purge"]).output
    assert counts(app) == after


def test_purge_deletes_old_technical_log_files(app, client, clock, runner):
    """Are technical log files older than the configured period deleted?"""
    from app.usage import techlog

    with app.app_context():
        old = techlog.file_for(date(2026, 10, 1))
        recent = techlog.file_for(date(2026, 11, 29))
        old.parent.mkdir(parents=True, exist_ok=True)
        old.write_text('{"ip": "1.2.3.4"}\n')
        recent.write_text('{"ip": "1.2.3.5"}\n')
        runner.invoke(args=["purge"])
        assert not old.exists() and recent.exists()


def test_ledger_is_kept_five_years_and_deleted_after_ten(app, clock):
    """Are payment records kept at five years and gone after ten?"""
    from app.billing.models import LedgerEntry
    from app.privacy.retention import purge

    with app.app_context():
        for years, ref in ((5, "ch_five"), (9, "ch_nine"), (11, "ch_eleven")):
            db.session.add(
                LedgerEntry(
                    kind="charge",
                    amount_cents=999,
                    currency="eur",
                    description="Pro",
                    stripe_ref=ref,
                    occurred_at=NOW - timedelta(days=365 * years),
                )
            )
        db.session.commit()
        purge()
        assert set(db.session.scalars(sa.select(LedgerEntry.stripe_ref))) == {"ch_five", "ch_nine"}


# ---------------------------------------------------------------- policy changes
@pytest.fixture
def future_policy(tmp_path, app):
    """A copy of our legal documents plus a material privacy-policy version 3, 40 days ahead."""
    from app.site.legal import DOCUMENTS_DIR

    directory = tmp_path / "legal"
    shutil.copytree(DOCUMENTS_DIR, directory)
    source = (directory / "privacy-policy" / "v2.md").read_text()
    header, body = source[4:].split("\n---\n", 1)
    effective = (NOW + timedelta(days=40)).date()
    (directory / "privacy-policy" / "v3.md").write_text(
        f"---\ntitle: Privacy policy\nversion: 3\neffective: {effective}\nmaterial: yes\n"
        "summary: Support tickets are now kept for one year after closing.\n---\n"
        + body.replace("## Your rights", "## Your rights\n\nA new sentence about tickets.")
    )
    (directory / "privacy-policy" / "v4.md").write_text(
        f"---\ntitle: Privacy policy\nversion: 4\neffective: {(NOW + timedelta(days=10)).date()}\nmaterial: yes\n"
        "summary: Too soon to announce.\n---\n" + body
    )
    app.config["LEGAL_DOCUMENTS_DIR"] = str(directory)
    return directory


def test_announce_emails_everyone_once(app, runner, clock, future_policy, make_user):
    """Does announcing a material change email every user (whatever their consents), only once per version?"""
    make_user("a@example.com")
    make_user("b@example.com")
    with app.app_context():
        db.session.add(User(phone="+4791234567", verified_at=NOW))
        db.session.commit()
    result = runner.invoke(args=["policy", "announce", "privacy-policy", "3"])
    assert "to 3 users" in result.output
    notices = [m for m in app.extensions["parlor_mail"].outbox if "Changes to our privacy policy" in m["Subject"]]
    assert sorted(m["To"] for m in notices) == ["a@example.com", "b@example.com"]
    assert "tickets" in notices[0].get_body(("plain",)).get_content()
    assert any(to == "+4791234567" for to, _ in app.extensions["parlor_sms"].outbox)
    again = runner.invoke(args=["policy", "announce", "privacy-policy", "3"])
    assert again.exit_code != 0 and "already announced" in again.output
    assert len([m for m in app.extensions["parlor_mail"].outbox if "Changes to our" in m["Subject"]]) == 2
    with app.app_context():
        assert db.session.scalar(sa.select(PolicyAnnouncement.recipients)) == 3


@pytest.mark.parametrize(
    "document,version,message",
    [
        ("privacy-policy", 4, "at least 30 days before"),
        ("privacy-policy", 9, "no version 9"),
        ("cookie-policy", 1, "takes effect"),
    ],
)
def test_announce_refuses_what_it_cannot_announce(app, runner, clock, future_policy, document, version, message):
    """Is an unknown, too-late or already-effective version refused, sending nothing?"""
    result = runner.invoke(args=["policy", "announce", document, str(version)])
    assert result.exit_code != 0 and message in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PolicyAnnouncement)) == 0


def test_banner_until_acknowledged(app, client, auth, runner, clock, future_policy):
    """Do signed-in users see the change banner until they acknowledge it, and is that logged?"""
    auth.signup("ack@example.com")
    runner.invoke(args=["policy", "announce", "privacy-policy", "3"])
    page = client.get("/information/features/").get_data(as_text=True)
    assert "Our privacy policy changes on" in page and "kept for one year" in page
    client.post(
        "/user/privacy/acknowledge",
        data={
            "csrf_token": csrf_token(client, "/information/features/"),
            "document": "privacy-policy",
            "version": "3",
            "next": "/information/features/",
        },
    )
    assert "Our privacy policy changes on" not in client.get("/information/features/").get_data(as_text=True)
    with app.app_context():
        ack = db.session.scalar(sa.select(PolicyAcknowledgement))
        assert (ack.document, ack.version) == ("privacy-policy", 3)


# ---------------------------------------------------------------- newsletters
@pytest.fixture
def subscribers(app, make_user):
    with app.app_context():
        yes = db.session.get(User, make_user("yes@example.com"))
        no = db.session.get(User, make_user("no@example.com"))
        changed = db.session.get(User, make_user("changed@example.com"))
        record_consent(yes, "newsletter", True, source="settings_page")
        record_consent(changed, "newsletter", True, source="settings_page")
        record_consent(changed, "newsletter", False, source="settings_page")
        record_consent(no, "digest", True, source="settings_page")
        db.session.commit()
        return yes.id


@pytest.fixture
def letter(tmp_path):
    path = tmp_path / "letter.txt"
    path.write_text("Subject: Parlor in December\n\nLarge meetings are faster now.\n\nThanks for meeting with us.\n")
    return path


def newsletters(app):
    return [m for m in app.extensions["parlor_mail"].outbox if m["Subject"] == "Parlor in December"]


def test_newsletter_goes_only_to_current_consent(app, runner, subscribers, letter):
    """Does the newsletter reach only people whose latest choice is yes, with one-click unsubscribe headers?"""
    result = runner.invoke(args=["mail", "newsletter", str(letter)])
    assert "to 1 consenting users" in result.output
    [message] = newsletters(app)
    assert message["To"] == "yes@example.com"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert (
        message["List-Unsubscribe"].startswith("<http") and "/user/privacy/unsubscribe/" in message["List-Unsubscribe"]
    )
    assert "Unsubscribe" in message.get_body(("html",)).get_content()


def test_one_click_unsubscribe_withdraws_and_logs(app, client, runner, subscribers, letter):
    """Does a POST to the unsubscribe link (RFC 8058) withdraw the consent, logged as from the link?"""
    runner.invoke(args=["mail", "newsletter", str(letter)])
    link = newsletters(app)[0]["List-Unsubscribe"].strip("<>")
    path = link.split("://", 1)[1].split("/", 1)[1]
    assert "Unsubscribe from the newsletter?" in client.get("/" + path).get_data(as_text=True)
    with app.app_context():
        assert has_consent(db.session.get(User, subscribers), "newsletter")  # GET changes nothing
    response = client.post("/" + path, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    with app.app_context():
        assert not has_consent(db.session.get(User, subscribers), "newsletter")
        last = db.session.scalar(sa.select(ConsentEvent).order_by(ConsentEvent.id.desc()))
        assert (last.granted, last.source) == (False, "unsubscribe_link")
    runner.invoke(args=["mail", "newsletter", str(letter)])
    assert len(newsletters(app)) == 1


def test_tampered_unsubscribe_link_changes_nothing(app, client, runner, subscribers, letter, count):
    """Is a tampered unsubscribe link refused, with nothing logged?"""
    runner.invoke(args=["mail", "newsletter", str(letter)])
    link = newsletters(app)[0]["List-Unsubscribe"].strip("<>")
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    before = count(ConsentEvent)
    for bad in (path[:-3] + "abc", path.replace("unsubscribe/", "unsubscribe/x"), "/user/privacy/unsubscribe/e30"):
        assert client.post(bad).status_code == 400
    assert count(ConsentEvent) == before


def test_malformed_mailing_file_is_refused(runner, tmp_path):
    """Is a mailing file without a subject line refused with a clear message?"""
    path = tmp_path / "bad.txt"
    path.write_text("No subject here\n")
    result = runner.invoke(args=["mail", "digest", str(path)])
    assert result.exit_code != 0 and "Subject:" in result.output


def test_service_mail_ignores_marketing_consent(app, auth):
    """Do sign-in codes still reach someone who withdrew every marketing consent?"""
    auth.signup("quiet@example.com")
    with app.app_context():
        user = db.session.scalar(sa.select(User))
        for purpose in ("newsletter", "digest", "activity", "analytics"):
            record_consent(user, purpose, False, source="settings_page")
        db.session.commit()
    auth.logout()
    auth.request_code("quiet@example.com")
    assert "is your Parlor code" in app.extensions["parlor_mail"].outbox[-1]["Subject"]


def test_unsubscribe_link_does_not_outlive_its_account(app, client, make_user):
    """Does a deleted account's unsubscribe link fail for a new account that gets the same number?"""
    from app.privacy.mailings import unsubscribe_token

    with app.app_context():
        gone = db.session.get(User, make_user("gone@example.com"))
        token, number = unsubscribe_token(gone, "newsletter"), gone.id
        db.session.delete(gone)
        db.session.commit()
        successor = User(id=number, email="successor@example.com", verified_at=NOW)
        db.session.add(successor)
        db.session.flush()
        record_consent(successor, "newsletter", True, source="settings_page")
        db.session.commit()
    assert client.post(f"/user/privacy/unsubscribe/{token}").status_code == 400
    with app.app_context():
        assert has_consent(db.session.get(User, number), "newsletter")


def test_earlier_contacts_are_forgotten_when_nothing_filed_under_them_remains(app, clock, make_user):
    """Is a replaced address's hash deleted once an enquiry or closed ticket filed under it would be gone too?"""
    from app.privacy.models import EarlierContact
    from app.privacy.retention import purge

    days = max(app.config["CORRESPONDENCE_RETENTION_DAYS"], app.config["CLOSED_TICKET_RETENTION_DAYS"])
    with app.app_context():
        user_id = make_user("now@example.com")
        for digest, age in (("a" * 64, days + 1), ("b" * 64, days - 1)):
            db.session.add(
                EarlierContact(user_id=user_id, kind="email", contact_hash=digest, replaced_at=ago(days=age))
            )
        db.session.commit()
        assert purge()["earlier contact details"] == 1
        assert db.session.scalars(sa.select(EarlierContact.contact_hash)).all() == ["b" * 64]
