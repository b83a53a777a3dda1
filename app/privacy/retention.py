"""How long each category is kept, in one table, and the purge that enforces it.

Each rule names a model, the timestamp that starts its clock, an optional filter and the
retention period (a number of days, or a config setting holding one). ``flask purge``
deletes what is past its period; ``--dry-run`` only counts. Running it twice changes
nothing the second time.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..timeutil import utcnow


@dataclass(frozen=True)
class Rule:
    name: str
    model: type
    clock: str  # the column whose age counts
    days: int | str  # a number, or the name of a setting
    where: tuple = field(default_factory=tuple)  # extra conditions, as (column name, value)
    description: str = ""

    def period(self):
        days = current_app.config[self.days] if isinstance(self.days, str) else self.days
        return timedelta(days=int(days))

    def condition(self, now):
        column = getattr(self.model, self.clock)
        clauses = [column < now - self.period()]
        clauses += [getattr(self.model, name) == value for name, value in self.where]
        return sa.and_(*clauses)


def rules():
    from ..auth.models import AccountEvent, LoginCode, User, UserSession
    from ..site.models import ContactRequest
    from ..support.models import CLOSED, SupportTicket
    from ..usage.models import UsageEvent

    table = [
        Rule("product analytics events", UsageEvent, "created_at", "USAGE_RETENTION_DAYS"),
        Rule("sign-in history", AccountEvent, "created_at", "SIGNIN_RETENTION_DAYS"),
        Rule("one-time codes", LoginCode, "expires_at", 1, description="a day after they expire"),
        Rule(
            "sign-ups never confirmed",
            User,
            "created_at",
            "UNVERIFIED_SIGNUP_RETENTION_DAYS",
            where=(("verified_at", None),),
        ),
        Rule("ended sessions", UserSession, "expires_at", 0),
        Rule(
            "closed support tickets",
            SupportTicket,
            "closed_at",
            "CLOSED_TICKET_RETENTION_DAYS",
            where=(("status", CLOSED),),
        ),
        Rule("sales correspondence", ContactRequest, "created_at", "CORRESPONDENCE_RETENTION_DAYS"),
    ]
    return table + list(current_app.extensions.get("parlor_retention_rules", []))


def register_rule(app, rule):
    """Features that own data (billing's ledger) add their rule here."""
    app.extensions.setdefault("parlor_retention_rules", []).append(rule)


def purge(dry_run=False, now=None):
    """Delete (or with dry_run, count) everything past its retention period: {rule name: rows}."""
    from ..usage import techlog

    now = now or utcnow()
    report = {}
    for rule in rules():
        condition = rule.condition(now)
        if dry_run:
            report[rule.name] = db.session.scalar(sa.select(sa.func.count()).select_from(rule.model).where(condition))
        else:
            report[rule.name] = db.session.execute(sa.delete(rule.model).where(condition)).rowcount
    expired = techlog.expired_files(current_app.config["TECHNICAL_LOG_RETENTION_DAYS"], today=now.date())
    report["technical log files"] = len(expired)
    if not dry_run:
        db.session.commit()
        for path in expired:
            path.unlink(missing_ok=True)
    return report


def schedule():
    """(category, period in words) for the privacy pages and README."""
    periods = []
    for rule in rules():
        days = rule.period().days
        periods.append((rule.name, f"{days} days" if days else "as soon as they end"))
    periods.append(("technical log files", f"{current_app.config['TECHNICAL_LOG_RETENTION_DAYS']} days"))
    return periods
