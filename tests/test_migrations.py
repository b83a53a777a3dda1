"""Migrations on the configured database (SQLite by default, PostgreSQL in the second pass)."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from app.extensions import db


@pytest.fixture
def empty_app(app):
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    return app


def test_upgrade_matches_the_models(empty_app):
    """Does `flask db upgrade` build exactly the schema the models describe?"""
    with empty_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
        assert diff == []


def test_downgrade_and_upgrade_again(empty_app):
    """Can every revision be undone and applied again cleanly?"""
    with empty_app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(sa.inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        assert "rooms" in sa.inspect(db.engine).get_table_names()
