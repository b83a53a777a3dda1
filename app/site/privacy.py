"""Sales enquiries (correspondence), as the privacy registry lists them."""

from ..privacy.contacts import filed_under
from ..privacy.registry import (
    LEGITIMATE_INTEREST,
    Category,
    Rule,
    Source,
    days_after_made,
    register_category,
    register_rule,
)
from .models import ContactRequest


def register(app):
    register_category(
        app,
        Category(
            "correspondence",
            "Correspondence",
            LEGITIMATE_INTEREST,
            days_after_made("CORRESPONDENCE_RETENTION_DAYS"),
            (
                Source(
                    ContactRequest,
                    lambda user: filed_under(user, ContactRequest.email, ContactRequest.created_at),
                    {
                        "id": "Record number.",
                        "name": "Your name.",
                        "email": "Your email address.",
                        "company": "Your company.",
                        "team_size": "Your team's size.",
                        "message": "Your message.",
                        "created_at": "When you wrote.",
                        "mailed_at": "When it reached our sales team.",
                    },
                    keyed_on_contact=True,
                ),
            ),
        ),
    )
    register_rule(app, Rule("sales correspondence", ContactRequest, "created_at", "CORRESPONDENCE_RETENTION_DAYS"))
