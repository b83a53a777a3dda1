"""How long each category is kept, in one table, and the purge that enforces it.

Each feature registers its rules (``app/<feature>/privacy.py``): a model, the timestamp that
starts its clock, an optional filter and the period (a number of days, or a config setting
holding one). ``flask purge`` deletes what is past its period; ``--dry-run`` only counts.
Running it twice changes nothing the second time.
"""

from ..extensions import db
from ..timeutil import utcnow
from .models import RetentionRun
from .registry import Rule, register_rule, rules

__all__ = ["Rule", "purge", "register_rule", "rules", "schedule"]


def purge(dry_run=False, now=None):
    """Delete (or with dry_run, count) everything past its retention period: {rule name: records}."""
    now = now or utcnow()
    report = {}
    for rule in rules():
        report[rule.name] = rule.count(now) if dry_run or not rule.in_database else rule.delete(now)
    if not dry_run:
        # The run is recorded with the deletion it describes (staff read it under /admin/retention).
        db.session.add(RetentionRun(ran_at=now, removed=dict(report), total=sum(report.values())))
        db.session.commit()
        # Files go only once the rows are gone for good, so a failed commit leaves both in place.
        for rule in rules():
            if not rule.in_database:
                rule.delete(now)
    return report


def schedule():
    """(rule name, period in words) for the privacy pages and README."""
    periods = []
    for rule in rules():
        days = rule.period().days
        periods.append((rule.name, f"{days} days" if days else "as soon as they end"))
    return periods
