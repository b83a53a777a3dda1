"""Policy change announcements and acknowledgements

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:09:43.654751

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "policy_announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("announced_at", sa.DateTime(), nullable=False),
        sa.Column("recipients", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_announcements")),
        sa.UniqueConstraint("document", "version", name="uq_policy_announcements_document_version"),
    )
    op.create_table(
        "policy_acknowledgements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=40), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_policy_acknowledgements_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_acknowledgements")),
        sa.UniqueConstraint("user_id", "document", "version", name="uq_policy_acknowledgements_user_document"),
    )
    with op.batch_alter_table("policy_acknowledgements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_policy_acknowledgements_user_id"), ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("policy_acknowledgements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_policy_acknowledgements_user_id"))

    op.drop_table("policy_acknowledgements")
    op.drop_table("policy_announcements")
