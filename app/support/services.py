from flask import current_app

from ..extensions import db
from ..mail import notify_staff
from .models import SupportTicket


class TicketNotFound(Exception):
    """No support ticket has that number."""


def open_ticket_and_commit(*, email, subject, message, user=None):
    """Store the ticket (committed before mailing), then mail support and record that it went.

    A mail failure leaves the ticket stored and unmarked, for `flask mail retry`.
    """
    ticket = SupportTicket(email=email, subject=subject, message=message, user_id=user.id if user else None)
    db.session.add(ticket)
    db.session.commit()
    if notify_support(ticket):
        db.session.commit()
    return ticket


def notify_support(ticket):
    return notify_staff(
        ticket,
        current_app.config["SUPPORT_EMAIL"],
        f"[ticket #{ticket.id}] {ticket.subject}",
        "support_ticket",
        ticket=ticket,
    )


def close_ticket(ticket_id):
    """Close the ticket, starting its retention clock; returns (ticket, whether it was open until now)."""
    ticket = db.session.get(SupportTicket, ticket_id)
    if ticket is None:
        raise TicketNotFound(f"There is no support ticket #{ticket_id}.")
    if ticket.is_closed:
        return ticket, False
    ticket.close()
    db.session.flush()
    return ticket, True
