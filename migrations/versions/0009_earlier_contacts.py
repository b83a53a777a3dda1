"""Earlier contact details, kept as keyed hashes so erasure finds what was filed under them

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:45:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "earlier_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("contact_hash", sa.String(length=64), nullable=False),
        sa.Column("replaced_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_earlier_contacts_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_earlier_contacts")),
        sa.UniqueConstraint("contact_hash", "user_id", name="uq_earlier_contacts_hash_user"),
    )
    with op.batch_alter_table("earlier_contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_earlier_contacts_user_id"), ["user_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_earlier_contacts_replaced_at"), ["replaced_at"], unique=False)


def downgrade():
    with op.batch_alter_table("earlier_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_earlier_contacts_replaced_at"))
        batch_op.drop_index(batch_op.f("ix_earlier_contacts_user_id"))

    op.drop_table("earlier_contacts")
