from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow

SERVING = "serving"
DRAINING = "draining"


class SfuNode(db.Model):
    """A video router that registered itself, with the load it last reported."""

    __tablename__ = "sfu_nodes"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    region: Mapped[str] = mapped_column(sa.String(40))
    public_url: Mapped[str] = mapped_column(sa.String(300))
    version: Mapped[str] = mapped_column(sa.String(40), default="")
    capacity: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(sa.String(10), default=SERVING)  # as the node reports it
    drain_requested: Mapped[bool] = mapped_column(default=False)  # by an operator
    registered_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_heartbeat_at: Mapped[datetime] = mapped_column(default=utcnow)
    rooms: Mapped[int] = mapped_column(default=0)
    participants: Mapped[int] = mapped_column(default=0)
    forwarded_streams: Mapped[int] = mapped_column(default=0)
    packets_in: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    packets_out: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    cpu: Mapped[float] = mapped_column(default=0.0)
    # A node of several media workers reports each one's load (see services.clean_workers);
    # None for a node that runs as a single process.
    workers: Mapped[list | None] = mapped_column(sa.JSON, default=None)

    assignments: Mapped[list["RoomAssignment"]] = relationship(back_populates="node", cascade="all, delete-orphan")

    def accepts_new_rooms(self):
        return self.state == SERVING and not self.drain_requested


class RoomAssignment(db.Model):
    """The node a room's large meeting runs on; it sticks while the node lives."""

    __tablename__ = "room_assignments"

    room_id: Mapped[int] = mapped_column(sa.ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True)
    node_id: Mapped[str] = mapped_column(sa.ForeignKey("sfu_nodes.id", ondelete="CASCADE"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)

    node: Mapped[SfuNode] = relationship(back_populates="assignments")


class NodeNonce(db.Model):
    """Nonces of accepted signed requests, remembered while a replay could still pass the clock check."""

    __tablename__ = "node_nonces"

    id: Mapped[int] = mapped_column(primary_key=True)
    node_id: Mapped[str] = mapped_column(sa.String(64))
    nonce: Mapped[str] = mapped_column(sa.String(64))
    seen_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (sa.UniqueConstraint("node_id", "nonce", name="uq_node_nonces_node_id_nonce"),)
