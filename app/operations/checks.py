"""`flask check`: is this database one the app can trust? Run after a restore, or any time.

Three questions: is the schema at the newest migration, does it match the models, and does
every foreign key point at a row that exists (SQLite enforces foreign keys only when a
connection asks, and a restore or a manual fix may have bypassed them).
"""

from dataclasses import dataclass

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

from ..extensions import db


@dataclass
class CheckResult:
    name: str
    problems: list

    @property
    def ok(self):
        return not self.problems


def migrations_at_head():
    config = Config()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if current == heads:
        return []
    at = sorted(current) or "no revision"
    return [f"the database is at {at}, the code at {sorted(heads)}: run `flask db upgrade`"]


def schema_matches_models():
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    return [f"schema differs from the models: {change}" for change in diff[:20]]


def dangling_foreign_keys():
    """Rows whose foreign key names a row that does not exist, per constraint."""
    problems = []
    existing = set(sa.inspect(db.engine).get_table_names())
    with db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            if table.name not in existing:
                continue
            for constraint in table.foreign_key_constraints:
                parent = constraint.referred_table
                pairs = list(zip(constraint.columns, (element.column for element in constraint.elements), strict=True))
                matches = sa.and_(*(parent_column == child_column for child_column, parent_column in pairs))
                query = (
                    sa.select(sa.func.count())
                    .select_from(table)
                    .where(*(child_column.is_not(None) for child_column, _ in pairs))
                    .where(~sa.exists().where(matches))
                )
                if dangling := connection.execute(query).scalar():
                    columns = ", ".join(column.name for column, _ in pairs)
                    problems.append(f"{table.name}.{columns}: {dangling} rows point at no {parent.name} row")
    return problems


CHECKS = (
    ("migrations at head", migrations_at_head),
    ("schema matches the models", schema_matches_models),
    ("foreign keys consistent", dangling_foreign_keys),
)


def run_checks():
    return [CheckResult(name, check()) for name, check in CHECKS]
