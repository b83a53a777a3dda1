"""Rooms choose whether people may open apps together in their meetings

Revision ID: 0018
Revises: 0015
Create Date: 2026-11-30 16:40:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("rooms") as batch:
        batch.add_column(sa.Column("apps", sa.Boolean(), nullable=True))


def downgrade():
    with op.batch_alter_table("rooms") as batch:
        batch.drop_column("apps")
