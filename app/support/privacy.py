"""Support tickets, as the privacy registry lists them."""

import sqlalchemy as sa
from flask import current_app

from ..privacy.contacts import filed_under
from ..privacy.registry import CONTRACT, Category, Rule, Source, register_category, register_rule
from .models import CLOSED, SupportTicket


def register(app):
    register_category(
        app,
        Category(
            "support",
            "Customer support information",
            CONTRACT + " And our legitimate interest.",
            lambda: f"Deleted {current_app.config['CLOSED_TICKET_RETENTION_DAYS']} days after a ticket is closed.",
            (
                Source(
                    SupportTicket,
                    lambda user: sa.or_(
                        SupportTicket.user_id == user.id,
                        filed_under(user, SupportTicket.email, SupportTicket.created_at),
                    ),
                    {
                        "id": "Ticket number.",
                        "user_id": "Your account number, if you were signed in.",
                        "email": "Where we reply.",
                        "subject": "Your subject.",
                        "message": "Your message.",
                        "status": "open or closed.",
                        "created_at": "When you wrote.",
                        "closed_at": "When it was closed.",
                        "mailed_at": "When it reached our support team.",
                        "replied_at": "When we last answered you by email.",
                    },
                    keyed_on_contact=True,
                ),
            ),
        ),
    )
    register_rule(
        app,
        Rule(
            "closed support tickets",
            SupportTicket,
            "closed_at",
            "CLOSED_TICKET_RETENTION_DAYS",
            where=(("status", CLOSED),),
        ),
    )
