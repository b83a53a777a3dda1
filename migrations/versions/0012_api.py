"""The embedded REST API: API keys, meetings with an end date, idempotency records

Revision ID: 0012
Revises: 0018
Create Date: 2026-11-30 16:30:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("ends_at", sa.DateTime(), nullable=True))
        batch.create_index("ix_rooms_ends_at", ["ends_at"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_api_keys_owner_id_users", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("digest", name="uq_api_keys_digest"),
    )
    op.create_index("ix_api_keys_owner_id", "api_keys", ["owner_id"])

    op.create_table(
        "api_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("public_id", sa.String(length=16), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name="fk_api_meetings_api_key_id_api_keys", ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name="fk_api_meetings_owner_id_users", ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_api_meetings_room_id_rooms", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_api_meetings"),
        sa.UniqueConstraint("public_id", name="uq_api_meetings_public_id"),
        sa.UniqueConstraint("room_id", name="uq_api_meetings_room_id"),
    )
    op.create_index("ix_api_meetings_owner_id", "api_meetings", ["owner_id"])

    op.create_table(
        "api_idempotency",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_key_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_digest", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_keys.id"], name="fk_api_idempotency_api_key_id_api_keys", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_api_idempotency"),
        sa.UniqueConstraint("api_key_id", "key", name="uq_api_idempotency_key_per_api_key"),
    )
    op.create_index("ix_api_idempotency_api_key_id", "api_idempotency", ["api_key_id"])


def downgrade():
    op.drop_index("ix_api_idempotency_api_key_id", table_name="api_idempotency")
    op.drop_table("api_idempotency")
    op.drop_index("ix_api_meetings_owner_id", table_name="api_meetings")
    op.drop_table("api_meetings")
    op.drop_index("ix_api_keys_owner_id", table_name="api_keys")
    op.drop_table("api_keys")
    with op.batch_alter_table("rooms") as batch:
        batch.drop_index("ix_rooms_ends_at")
        batch.drop_column("ends_at")
