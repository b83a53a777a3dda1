"""The privacy registry: what each feature holds about a person, and for how long.

Each feature lists its own data in ``app/<feature>/privacy.py`` when the app starts: its
categories (tables, what every column means), its retention rules, and any step erasure must
take for it. The dashboard, the export, erasure, the retention table and ``flask purge`` only
read this registry, so imports point from the features to here and never back.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db


class ErasureRefused(Exception):
    """A feature cannot let the account go yet (e.g. the payment processor is unreachable)."""


@dataclass(frozen=True)
class Source:
    """One table of a category, the rows in it that are about ``user``, and what each column means."""

    model: type
    where: Callable  # callable(user) -> SQL condition
    fields: dict  # column -> description shown in the export's README
    withheld: dict = field(default_factory=dict)  # column -> why it is not exported
    # Rows tied to the person by an address rather than by the account row: ON DELETE CASCADE
    # cannot find them, so erasure deletes what ``where`` matches before the account goes.
    keyed_on_contact: bool = False

    @property
    def table(self):
        return self.model.__tablename__

    def rows(self, user):
        return db.session.scalars(sa.select(self.model).where(self.where(user))).all()

    def count(self, user):
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.model).where(self.where(user)))


@dataclass(frozen=True)
class OutsideRecords:
    """Records a category holds outside the database (the technical log files)."""

    name: str  # the key in the export's JSON file
    description: str
    fields: tuple
    rows: Callable  # callable(user) -> iterable of JSON-ready dicts


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    legal_ground: str
    retention: Callable  # callable() -> words
    sources: tuple
    outside: tuple = ()  # OutsideRecords
    # callable(user) -> lines the dashboard shows under the category (e.g. an audit log about them)
    details: Callable | None = None

    def count(self, user):
        return sum(source.count(user) for source in self.sources) + sum(
            sum(1 for _ in records.rows(user)) for records in self.outside
        )


@dataclass(frozen=True)
class Rule:
    """Rows of ``model`` whose ``clock`` column is older than the period are deleted by ``flask purge``."""

    name: str
    model: type
    clock: str  # the column whose age counts
    days: int | str | Callable  # a number, the name of a setting, or callable(config) -> number
    where: tuple = field(default_factory=tuple)  # extra conditions, as (column name, value)
    description: str = ""

    in_database = True

    def period(self):
        if callable(self.days):
            days = self.days(current_app.config)
        elif isinstance(self.days, str):
            days = current_app.config[self.days]
        else:
            days = self.days
        return timedelta(days=int(days))

    def condition(self, now):
        column = getattr(self.model, self.clock)
        clauses = [column < now - self.period()]
        clauses += [getattr(self.model, name) == value for name, value in self.where]
        return sa.and_(*clauses)

    def count(self, now):
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.model).where(self.condition(now)))

    def delete(self, now):
        return db.session.execute(sa.delete(self.model).where(self.condition(now))).rowcount


@dataclass
class Registry:
    categories: dict = field(default_factory=dict)  # key -> Category, in registration order
    rules: list = field(default_factory=list)
    # callables(user) run before erasure deletes anything: each may raise ErasureRefused, and
    # may return a callable to run once the deletion is committed.
    erasure_steps: list = field(default_factory=list)
    # callables(user) -> reasons (words for people) the account cannot be erased yet; the delete
    # page shows them before anyone asks, and an erasure step refuses for the same reasons.
    erasure_checks: list = field(default_factory=list)


def _registry(app):
    return app.extensions.setdefault("parlor_privacy", Registry())


def register_category(app, category):
    registry = _registry(app)
    if category.key in registry.categories:
        raise ValueError(f"privacy category {category.key!r} is registered twice")
    registry.categories[category.key] = category


def register_rule(app, rule):
    """A retention rule: a table ``Rule``, or any object with name, in_database, period(), count(now), delete(now)."""
    _registry(app).rules.append(rule)


def register_erasure_step(app, step):
    _registry(app).erasure_steps.append(step)


def register_erasure_check(app, check):
    _registry(app).erasure_checks.append(check)


def erasure_blockers(user):
    return [reason for check in _registry(current_app).erasure_checks for reason in check(user)]


def categories():
    return list(_registry(current_app).categories.values())


def rules():
    return list(_registry(current_app).rules)


def erasure_steps():
    return list(_registry(current_app).erasure_steps)


# Words and helpers the features' registrations share.
CONTRACT = "Needed to provide the service you asked for (GDPR art. 6(1)(b))."
LEGITIMATE_INTEREST = "Our legitimate interests (GDPR art. 6(1)(f))."


def owned_by(column):
    """``where`` for rows whose ``column`` holds the person's account number."""
    return lambda user: column == user.id


def days_after_made(setting):
    """``retention`` words for records deleted a configured number of days after they were made."""
    return lambda: f"Each record is deleted {current_app.config[setting]} days after it was made."
