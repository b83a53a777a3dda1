"""Rooms may allow browsers without end-to-end encryption

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-30 16:30:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # Every existing room starts end-to-end encrypted only: the safe default.
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("allow_unencrypted", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("allow_unencrypted")
