"""The consent log and policy acknowledgements, as the privacy registry lists them."""

from ..privacy.models import PolicyAcknowledgement
from ..privacy.registry import Category, Source, owned_by, register_category
from .consents import ConsentEvent


def register(app):
    register_category(
        app,
        Category(
            "consents",
            "Consents",
            "Our legal obligation to prove consent (GDPR art. 6(1)(c), art. 7(1)).",
            lambda: "Kept while your account exists, deleted with it.",
            (
                Source(
                    ConsentEvent,
                    owned_by(ConsentEvent.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "purpose": "newsletter, digest, activity or analytics.",
                        "granted": "true when you agreed, false when you withdrew.",
                        "policy_version": "The privacy policy version you were shown.",
                        "source": "Where you chose: settings_page, signup_form, unsubscribe_link or cookie_banner.",
                        "created_at": "When you chose.",
                    },
                ),
                Source(
                    PolicyAcknowledgement,
                    owned_by(PolicyAcknowledgement.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "document": "Which legal document.",
                        "version": "Which version.",
                        "acknowledged_at": "When you acknowledged the change notice.",
                    },
                ),
            ),
        ),
    )
