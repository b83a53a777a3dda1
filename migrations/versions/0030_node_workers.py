"""SFU nodes report the load of each of their media workers

Revision ID: 0030
Revises: 0016
Create Date: 2026-11-30 20:00:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0030"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    # NULL: a node running as one process (every node until it reports workers).
    with op.batch_alter_table("sfu_nodes") as batch:
        batch.add_column(sa.Column("workers", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("sfu_nodes") as batch:
        batch.drop_column("workers")
