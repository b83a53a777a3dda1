"""Room modes small, large and auto in place of normal and group

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 14:40:00 (written by hand)

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

# Frozen here on purpose: a migration must mean the same thing after the plans change.
PLANS_WITH_LARGE_MEETINGS = ("pro", "business")

rooms = sa.table("rooms", sa.column("mode", sa.String), sa.column("owner_id", sa.Integer))
users = sa.table("users", sa.column("id", sa.Integer), sa.column("plan", sa.String))


def upgrade():
    large_owners = sa.select(users.c.id).where(users.c.plan.in_(PLANS_WITH_LARGE_MEETINGS))
    # "normal" followed the owner's plan: paid rooms went through a node, which auto now does
    # only when the meeting outgrows a mesh; "group" was always through a node.
    op.execute(rooms.update().where(rooms.c.mode == "group").values(mode="large"))
    op.execute(rooms.update().where(rooms.c.mode == "normal", rooms.c.owner_id.in_(large_owners)).values(mode="auto"))
    op.execute(rooms.update().where(rooms.c.mode == "normal").values(mode="small"))


def downgrade():
    op.execute(rooms.update().where(rooms.c.mode == "large").values(mode="group"))
    op.execute(rooms.update().where(rooms.c.mode.in_(("auto", "small"))).values(mode="normal"))
