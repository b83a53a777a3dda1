"""SFU node registry and room placement

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sfu_nodes",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=40), nullable=False),
        sa.Column("public_url", sa.String(length=300), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("drain_requested", sa.Boolean(), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.Column("last_heartbeat_at", sa.DateTime(), nullable=False),
        sa.Column("rooms", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("forwarded_streams", sa.Integer(), nullable=False),
        sa.Column("packets_in", sa.BigInteger(), nullable=False),
        sa.Column("packets_out", sa.BigInteger(), nullable=False),
        sa.Column("cpu", sa.Double(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sfu_nodes")),
    )

    op.create_table(
        "room_assignments",
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("assigned_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["node_id"],
            ["sfu_nodes.id"],
            name=op.f("fk_room_assignments_node_id_sfu_nodes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_room_assignments_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("room_id", name=op.f("pk_room_assignments")),
    )
    with op.batch_alter_table("room_assignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_room_assignments_node_id"), ["node_id"], unique=False)

    op.create_table(
        "node_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_node_nonces")),
        sa.UniqueConstraint("node_id", "nonce", name="uq_node_nonces_node_id_nonce"),
    )
    with op.batch_alter_table("node_nonces", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_node_nonces_seen_at"), ["seen_at"], unique=False)


def downgrade():
    with op.batch_alter_table("node_nonces", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_node_nonces_seen_at"))
    op.drop_table("node_nonces")
    with op.batch_alter_table("room_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_room_assignments_node_id"))
    op.drop_table("room_assignments")
    op.drop_table("sfu_nodes")
