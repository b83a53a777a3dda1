"""Host links: each room gets a secret host key; whoever opens the room with it hosts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 14:40:00 (written by hand)

Existing rooms get a fresh random key each. On SQLite the batch rebuild keeps the table
AUTOINCREMENT (see 0008), so room ids are still never reused.
"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _batch_options():
    if op.get_bind().dialect.name != "sqlite":
        return {}
    return {"table_kwargs": {"sqlite_autoincrement": True}}


def upgrade():
    with op.batch_alter_table("rooms", **_batch_options()) as batch:
        batch.add_column(sa.Column("host_key", sa.String(length=32), nullable=True))
    rooms = sa.table("rooms", sa.column("id", sa.Integer), sa.column("host_key", sa.String))
    connection = op.get_bind()
    for (room_id,) in connection.execute(sa.select(rooms.c.id)).all():
        connection.execute(rooms.update().where(rooms.c.id == room_id).values(host_key=secrets.token_urlsafe(16)))
    with op.batch_alter_table("rooms", **_batch_options()) as batch:
        batch.alter_column("host_key", existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(batch.f("uq_rooms_host_key"), ["host_key"])


def downgrade():
    with op.batch_alter_table("rooms", **_batch_options()) as batch:
        batch.drop_constraint(batch.f("uq_rooms_host_key"), type_="unique")
        batch.drop_column("host_key")
