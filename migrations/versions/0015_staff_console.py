"""Staff console: disabled accounts, staff devices, the staff audit log, retention runs, ticket answers

Revision ID: 0015
Revises: 0011
Create Date: 2026-11-30 16:30:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(), nullable=True))
    with op.batch_alter_table("support_tickets") as batch:
        batch.add_column(sa.Column("replied_at", sa.DateTime(), nullable=True))
    op.create_table(
        "staff_devices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_staff_devices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_devices")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_devices_token_hash")),
    )
    op.create_index(op.f("ix_staff_devices_user_id"), "staff_devices", ["user_id"])
    op.create_table(
        "staff_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("target_type", sa.String(length=20), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_id"], ["users.id"], name=op.f("fk_staff_actions_staff_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_actions")),
    )
    op.create_index(op.f("ix_staff_actions_staff_id"), "staff_actions", ["staff_id"])
    op.create_index(op.f("ix_staff_actions_created_at"), "staff_actions", ["created_at"])
    op.create_index("ix_staff_actions_target", "staff_actions", ["target_type", "target_id"])
    op.create_table(
        "retention_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ran_at", sa.DateTime(), nullable=False),
        sa.Column("removed", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_runs")),
    )
    op.create_index(op.f("ix_retention_runs_ran_at"), "retention_runs", ["ran_at"])


def downgrade():
    op.drop_index(op.f("ix_retention_runs_ran_at"), table_name="retention_runs")
    op.drop_table("retention_runs")
    op.drop_index("ix_staff_actions_target", table_name="staff_actions")
    op.drop_index(op.f("ix_staff_actions_created_at"), table_name="staff_actions")
    op.drop_index(op.f("ix_staff_actions_staff_id"), table_name="staff_actions")
    op.drop_table("staff_actions")
    op.drop_index(op.f("ix_staff_devices_user_id"), table_name="staff_devices")
    op.drop_table("staff_devices")
    with op.batch_alter_table("support_tickets") as batch:
        batch.drop_column("replied_at")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
