"""Meeting identity: ids of rooms and users are never reused; rooms get a random key

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 14:00:00 (written by hand)

SQLite reuses the largest rowid after a delete unless the table is AUTOINCREMENT, so a ticket or
notice naming a deleted room (or account) could name a newer one. The batch operations recreate
both tables with AUTOINCREMENT; PostgreSQL sequences never go back, so there it is a no-op.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _recreate(autoincrement):
    """Batch options that rebuild a table with(out) AUTOINCREMENT on SQLite, and alter in place elsewhere."""
    if op.get_bind().dialect.name != "sqlite":
        return {}
    return {"recreate": "always", "table_kwargs": {"sqlite_autoincrement": autoincrement}}


def upgrade():
    with op.batch_alter_table("rooms", **_recreate(True)) as batch:
        batch.add_column(sa.Column("key", sa.String(length=32), nullable=True))
    rooms = sa.table("rooms", sa.column("id", sa.Integer), sa.column("key", sa.String))
    connection = op.get_bind()
    for (room_id,) in connection.execute(sa.select(rooms.c.id)).all():
        connection.execute(rooms.update().where(rooms.c.id == room_id).values(key=secrets.token_urlsafe(16)))
    with op.batch_alter_table("rooms") as batch:
        batch.alter_column("key", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(batch.f("uq_rooms_key"), ["key"])
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("users", **_recreate(True)):
            pass


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("users", **_recreate(False)):
            pass
    with op.batch_alter_table("rooms", **_recreate(False)) as batch:
        batch.drop_constraint(batch.f("uq_rooms_key"), type_="unique")
        batch.drop_column("key")
