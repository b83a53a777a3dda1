from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.support.models import SupportTicket

from .support.accounts import csrf_token

NOW = datetime(2026, 11, 30, 12, 0, 0)
TICKET = {"email": "tom@example.com", "subject": "Camera is black", "message": "My camera shows only black."}


@pytest.fixture
def ticket_id(app, client, clock):
    """A ticket filed through the support page, the way people file them."""
    client.post("/support/", data=dict(TICKET, csrf_token=csrf_token(client, "/support/")))
    with app.app_context():
        return db.session.scalar(sa.select(SupportTicket.id))


def stored(app, ticket_id):
    with app.app_context():
        return db.session.get(SupportTicket, ticket_id)


@pytest.mark.config(MAIL_URL="smtp://127.0.0.1:9")
def test_ticket_is_stored_when_support_mail_fails(app, ticket_id):
    """When the mail server is down, is the ticket still stored, unmarked for `flask mail retry`?"""
    ticket = stored(app, ticket_id)
    assert (ticket.subject, ticket.status, ticket.mailed_at) == ("Camera is black", "open", None)


def test_ticket_is_marked_mailed(app, ticket_id):
    """Once support has the ticket by mail, is that recorded on it?"""
    assert stored(app, ticket_id).mailed_at == NOW


def test_close_command_closes_a_ticket(app, runner, clock, ticket_id):
    """Does `flask support close ID` close the ticket and stamp when?"""
    clock.advance(timedelta(days=2))
    result = runner.invoke(args=["support", "close", str(ticket_id)])
    assert result.exit_code == 0
    assert f"Closed ticket #{ticket_id} at 2026-12-02 12:00 UTC." in result.output
    ticket = stored(app, ticket_id)
    assert (ticket.status, ticket.closed_at) == ("closed", NOW + timedelta(days=2))


def test_closing_twice_keeps_the_first_close(app, runner, clock, ticket_id):
    """Is closing a closed ticket harmless, keeping the original close time (and so its retention clock)?"""
    runner.invoke(args=["support", "close", str(ticket_id)])
    clock.advance(timedelta(days=30))
    result = runner.invoke(args=["support", "close", str(ticket_id)])
    assert result.exit_code == 0
    assert f"Ticket #{ticket_id} was closed at 2026-11-30 12:00 UTC." in result.output
    assert stored(app, ticket_id).closed_at == NOW


def test_closing_an_unknown_ticket_fails_cleanly(runner, ticket_id):
    """Does closing a ticket that does not exist exit with an error message, not a traceback?"""
    result = runner.invoke(args=["support", "close", str(ticket_id + 1)])
    assert result.exit_code != 0
    assert f"There is no support ticket #{ticket_id + 1}." in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_closed_ticket_is_purged_after_its_retention_period(app, runner, clock, ticket_id, count):
    """Is a closed ticket deleted by `flask purge` once CLOSED_TICKET_RETENTION_DAYS have passed, an open one kept?"""
    with app.app_context():
        db.session.add(SupportTicket(email="ann@example.com", subject="Still open", message="Please keep this."))
        db.session.commit()
    runner.invoke(args=["support", "close", str(ticket_id)])
    days = app.config["CLOSED_TICKET_RETENTION_DAYS"]
    clock.advance(timedelta(days=days - 1))
    assert "closed support tickets: deleted 0" in runner.invoke(args=["purge"]).output
    clock.advance(timedelta(days=2))
    assert "closed support tickets: deleted 1" in runner.invoke(args=["purge"]).output
    with app.app_context():
        assert db.session.scalars(sa.select(SupportTicket.subject)).all() == ["Still open"]
