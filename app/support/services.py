from flask import current_app

from ..extensions import db
from ..mail import notify_staff
from .models import SupportTicket


def open_ticket(*, email, subject, message, user=None):
    """Store the ticket first, then mail support; a mail failure leaves it for `flask mail retry`."""
    ticket = SupportTicket(email=email, subject=subject, message=message, user_id=user.id if user else None)
    db.session.add(ticket)
    db.session.commit()
    notify_support(ticket)
    return ticket


def notify_support(ticket):
    return notify_staff(
        ticket,
        current_app.config["SUPPORT_EMAIL"],
        f"[ticket #{ticket.id}] {ticket.subject}",
        "support_ticket",
        ticket=ticket,
    )
