"""The staff console's records, as the privacy registry lists them."""

import sqlalchemy as sa

from ..privacy.registry import (
    LEGITIMATE_INTEREST,
    Category,
    Rule,
    Source,
    days_after_made,
    owned_by,
    register_category,
    register_rule,
)
from .models import StaffAction, StaffDevice


def about_you(user):
    """Actions a staff member took, and actions staff took on this account."""
    return sa.or_(
        StaffAction.staff_id == user.id,
        sa.and_(StaffAction.target_type == "user", StaffAction.target_id == str(user.id)),
    )


def register(app):
    register_category(
        app,
        Category(
            "staff",
            "Staff actions",
            LEGITIMATE_INTEREST + " Running the service accountably: knowing which staff member did what.",
            days_after_made("STAFF_AUDIT_RETENTION_DAYS"),
            (
                Source(
                    StaffAction,
                    about_you,
                    {
                        "id": "Record number.",
                        "staff_id": "The staff member's account number (empty once that account is deleted).",
                        "action": "What was done, e.g. user_disabled, ticket_replied, node_drained.",
                        "target_type": "The kind of record it was done to: user, room, node or ticket.",
                        "target_id": "That record's number.",
                        "detail": "A short note, e.g. how many sessions ended.",
                        "created_at": "When it was done.",
                    },
                ),
                Source(
                    StaffDevice,
                    owned_by(StaffDevice.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number (staff only).",
                        "created_at": "When you confirmed this device with a second code.",
                        "last_used_at": "When it was confirmed.",
                        "expires_at": "When the device must be confirmed again.",
                    },
                    withheld={"token_hash": "A one-way hash of the device key; sharing it would only add risk."},
                ),
            ),
        ),
    )
    register_rule(app, Rule("staff audit log", StaffAction, "created_at", "STAFF_AUDIT_RETENTION_DAYS"))
    register_rule(app, Rule("expired staff devices", StaffDevice, "expires_at", 0))
