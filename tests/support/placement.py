"""SFU nodes written straight into the database, as heartbeats would leave them, for placement tests."""

from datetime import timedelta

from app import timeutil
from app.extensions import db
from app.nodes.models import SfuNode


def add_node(node_id, region, participants=0, capacity=48, alive=True, draining=False, when=None):
    now = when or timeutil.utcnow()  # through the module, so a test clock applies
    node = SfuNode(
        id=node_id,
        region=region,
        public_url=f"http://{node_id}.example:8000",
        capacity=capacity,
        participants=participants,
        state="draining" if draining else "serving",
        last_heartbeat_at=now if alive else now - timedelta(minutes=5),
        registered_at=now,
    )
    db.session.add(node)
    return node
