import pytest
import sqlalchemy as sa

from app.extensions import db
from app.site.models import ContactRequest
from app.support.models import SupportTicket

from .support.accounts import csrf_token

SALES = "/information/contact-sales/"
SUPPORT = "/support/"

GOOD_SALES = {
    "name": "Ada Lovelace",
    "email": "ada@example.com",
    "company": "Analytical Engines Ltd",
    "team_size": "11-50",
    "message": "We would like rooms for our 30 engineers.",
}
GOOD_TICKET = {"email": "bob@example.com", "subject": "Camera is black", "message": "My camera shows a black tile."}


def post(client, path, data, with_csrf=True):
    payload = dict(data)
    if with_csrf:
        payload["csrf_token"] = csrf_token(client, path)
    return client.post(path, data=payload)


def test_contact_sales_is_stored_and_mailed(client, app, mailbox, count):
    """Is a valid sales enquiry stored and emailed (text and HTML) to sales?"""
    response = post(client, SALES, GOOD_SALES)
    assert response.status_code == 302
    assert count(ContactRequest) == 1
    message = mailbox.wait_for(app.config["SALES_EMAIL"])[0]
    assert "Ada Lovelace" in message["Subject"]
    assert message.get_body(("plain",)).get_content().count("30 engineers") == 1
    assert "30 engineers" in message.get_body(("html",)).get_content()
    with app.app_context():
        assert db.session.scalar(sa.select(ContactRequest)).mailed_at is not None


def test_support_ticket_is_stored_and_mailed(client, app, mailbox, count):
    """Is a valid support ticket stored and emailed to support?"""
    response = post(client, SUPPORT, GOOD_TICKET)
    assert response.status_code == 302
    assert count(SupportTicket) == 1
    message = mailbox.wait_for(app.config["SUPPORT_EMAIL"])[0]
    assert "Camera is black" in message["Subject"]


def test_signed_in_ticket_is_linked_to_the_account(client, app, auth, count):
    """Is a ticket sent while signed in linked to the account?"""
    auth.signup("carol@example.com")
    post(client, SUPPORT, dict(GOOD_TICKET, email="carol@example.com"))
    with app.app_context():
        ticket = db.session.scalar(sa.select(SupportTicket))
        assert ticket.user_id is not None


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("name", "", "Tell us your name."),
        ("email", "not-an-email", "Enter an email address"),
        ("email", "", "We need an email address"),
        ("team_size", "", "Choose the size of your team."),
        ("team_size", "a million", "Not a valid choice"),
        ("message", "short", "between 10 and 5,000"),
        ("message", "x" * 5001, "between 10 and 5,000"),
        ("name", "x" * 101, "Field cannot be longer than 100 characters."),
        ("name", "Eve\x07", "control characters"),
    ],
)
def test_bad_sales_enquiry_is_refused(client, count, field, value, message):
    """Is a malformed, overlong or missing field shown again with a message, and nothing stored?"""
    response = post(client, SALES, dict(GOOD_SALES, **{field: value}))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(ContactRequest) == 0


@pytest.mark.parametrize(
    "field,value",
    [("email", "x@"), ("subject", "ab"), ("subject", "y" * 151), ("message", ""), ("message", "z" * 5001)],
)
def test_bad_ticket_is_refused(client, count, field, value):
    """Is a bad support ticket refused with the form shown again?"""
    response = post(client, SUPPORT, dict(GOOD_TICKET, **{field: value}))
    assert response.status_code == 400
    assert 'class="field-error"' in response.get_data(as_text=True)
    assert count(SupportTicket) == 0


@pytest.mark.parametrize("path,data", [(SALES, GOOD_SALES), (SUPPORT, GOOD_TICKET)])
def test_missing_csrf_token_is_400(client, count, path, data):
    """Is a form without its CSRF token refused with 400 and nothing stored?"""
    response = post(client, path, data, with_csrf=False)
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert count(ContactRequest) + count(SupportTicket) == 0


@pytest.mark.config(RATELIMIT_ENABLED=True)
def test_form_rate_limit_gives_a_friendly_429(client, count):
    """After five enquiries a minute, does the sixth get the friendly 429 page, unsaved?"""
    for _ in range(5):
        assert post(client, SALES, GOOD_SALES).status_code == 302
    response = post(client, SALES, GOOD_SALES)
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "Slow down a little" in html and "try again in" in html
    assert response.headers.get("Retry-After")
    assert count(ContactRequest) == 5


@pytest.mark.config(MAIL_URL="smtp://127.0.0.1:9")
def test_mail_failure_keeps_the_submission(client, app, count):
    """When the mail server is down, is the enquiry still stored, to be sent later?"""
    response = post(client, SALES, GOOD_SALES)
    assert response.status_code == 302
    with app.app_context():
        stored = db.session.scalar(sa.select(ContactRequest))
        assert stored.message == GOOD_SALES["message"]
        assert stored.mailed_at is None


def test_mail_retry_sends_what_failed(app, runner, mailbox):
    """Does `flask mail retry` send the notifications that failed earlier?"""
    with app.app_context():
        db.session.add(ContactRequest(name="Ann", email="ann@example.com", team_size="1-10", message="Hello there!"))
        db.session.add(SupportTicket(email="tom@example.com", subject="Help me", message="Nothing works here."))
        db.session.commit()
    app.config["MAIL_URL"] = mailbox.url
    from app import mail

    mail.init_app(app)
    result = runner.invoke(args=["mail", "retry"])
    assert "2 sent, 0 still failing" in result.output
    assert len(mailbox.messages) == 2
    assert "0 sent" in runner.invoke(args=["mail", "retry"]).output
