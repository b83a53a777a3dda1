"""Analytics events and technical logs, as the privacy registry lists them."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..auth.models import AccountEvent
from ..extensions import db
from ..privacy.registry import (
    LEGITIMATE_INTEREST,
    Category,
    OutsideRecords,
    Rule,
    Source,
    owned_by,
    register_category,
    register_erasure_step,
    register_rule,
)
from . import techlog
from .models import UsageEvent


def register(app):
    register_category(
        app,
        Category(
            "usage",
            "Usage information",
            LEGITIMATE_INTEREST + " Product analytics only with your consent.",
            lambda: (
                f"Analytics events are deleted after {current_app.config['USAGE_RETENTION_DAYS']} days, "
                f"technical log lines after {current_app.config['TECHNICAL_LOG_RETENTION_DAYS']} days."
            ),
            (
                Source(
                    UsageEvent,
                    owned_by(UsageEvent.user_id),
                    {
                        "id": "Record number.",
                        "kind": "page_visited, room_visited, meeting_started or meeting_ended.",
                        "user_id": "Your account number.",
                        "room_id": "The room involved, if any.",
                        "path": "The page visited.",
                        "duration_seconds": "How long a meeting lasted.",
                        "peak_participants": "The most people in that meeting at once (never who they were).",
                        "device_type": "desktop, mobile, tablet or other.",
                        "os": "Operating system.",
                        "browser": "Browser family.",
                        "country": "Country of the IP address.",
                        "created_at": "When it happened.",
                    },
                ),
            ),
            outside=(
                OutsideRecords(
                    "technical_log",
                    "one line per request we served you while signed in",
                    ("time", "ip", "method", "path", "status", "user_agent", "language", "user_id"),
                    lambda user: techlog.lines_for_user(user.id),
                ),
            ),
        ),
    )
    register_rule(app, Rule("product analytics events", UsageEvent, "created_at", "USAGE_RETENTION_DAYS"))
    register_rule(app, TechnicalLogFiles())
    register_erasure_step(app, scrub_technical_log)


class TechnicalLogFiles:
    """The retention rule for the technical log: whole files, one a day, outside the database."""

    name = "technical log files"
    in_database = False

    def period(self):
        return timedelta(days=current_app.config["TECHNICAL_LOG_RETENTION_DAYS"])

    def expired(self, now):
        return techlog.expired_files(self.period().days, today=now.date())

    def count(self, now):
        return len(self.expired(now))

    def delete(self, now):
        expired = self.expired(now)
        for path in expired:
            path.unlink(missing_ok=True)
        return len(expired)


def scrub_technical_log(user):
    """Erasure: once the account is gone, remove its log lines and those from any IP it signed in from."""
    user_id = user.id
    ips = {ip for ip in db.session.scalars(sa.select(AccountEvent.ip).where(AccountEvent.user_id == user.id)) if ip}
    return lambda: techlog.scrub(user_id, ips)
