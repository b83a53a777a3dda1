"""Node authentication, registration, heartbeats and liveness."""

from datetime import UTC, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from sfu_node.protocol import MAX_REQUEST_AGE, InvalidSignature, derive_node_key, is_node_id, verify_request

from ..extensions import db
from ..timeutil import utcnow
from .models import DRAINING, SERVING, NodeNonce, RoomAssignment, SfuNode

MISSED_HEARTBEATS = 3


class NodeRejected(Exception):
    """A control-plane request that is not authentic, fresh and well formed."""


def node_key(node_id):
    return derive_node_key(current_app.config["NODE_MASTER_SECRET"], node_id)


def authenticate(method, path, headers, body, now=None):
    """Verify a node's signed request and remember its nonce; return the node id."""
    node_id = headers.get("X-Parlor-Node", "")
    if not is_node_id(node_id):
        raise NodeRejected("missing or malformed node id")
    moment = now or utcnow().replace(tzinfo=UTC).timestamp()
    try:
        node_id, nonce = verify_request(node_key(node_id), method, path, headers, body, now=moment)
    except InvalidSignature as error:
        raise NodeRejected(str(error)) from None
    cutoff = utcnow() - timedelta(seconds=2 * MAX_REQUEST_AGE)
    db.session.execute(sa.delete(NodeNonce).where(NodeNonce.seen_at < cutoff))
    db.session.add(NodeNonce(node_id=node_id, nonce=nonce))
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise NodeRejected("replayed request") from None
    return node_id


def heartbeat_interval():
    return current_app.config["NODE_HEARTBEAT_INTERVAL"]


def is_alive(node, now=None):
    silence = (now or utcnow()) - node.last_heartbeat_at
    return silence <= timedelta(seconds=MISSED_HEARTBEATS * heartbeat_interval())


def status(node, now=None):
    if not is_alive(node, now):
        return "dead"
    if node.drain_requested or node.state == DRAINING:
        return DRAINING
    return SERVING


def valid_public_url(url):
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc) and len(url) <= 300


def _clean_int(value, default=0):
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else default


def apply_report(node, report):
    """Copy a node's self-reported load onto its row (fields of the wrong type are ignored)."""
    node.state = DRAINING if report.get("state") == DRAINING else SERVING
    rooms = report.get("rooms")
    node.rooms = len(rooms) if isinstance(rooms, list) else _clean_int(rooms, node.rooms)
    for field in ("participants", "forwarded_streams", "packets_in", "packets_out", "capacity"):
        setattr(node, field, _clean_int(report.get(field), getattr(node, field)))
    cpu = _clean_cpu(report.get("cpu"))
    if cpu is not None:
        node.cpu = cpu
    # A node without "workers" (older, or --workers 1) is one process: forget a previous list.
    node.workers = clean_workers(report.get("workers"))
    node.last_heartbeat_at = utcnow()


def _clean_cpu(value):
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 100_000:
        return float(value)
    return None


WORKER_STATES = ("serving", "draining", "starting", "restarting")
MAX_WORKERS = 256


def clean_workers(workers):
    """Each media worker's reported load, keeping only well-formed fields; None if there is no list."""
    if not isinstance(workers, list):
        return None
    cleaned = []
    for worker in workers[:MAX_WORKERS]:
        if not isinstance(worker, dict):
            continue
        cleaned.append(
            {
                "index": _clean_int(worker.get("index"), len(cleaned)),
                "state": worker.get("state") if worker.get("state") in WORKER_STATES else "unknown",
                "rooms": _clean_int(worker.get("rooms")),
                "participants": _clean_int(worker.get("participants")),
                "cpu": _clean_cpu(worker.get("cpu")) or 0.0,
                "restarts": _clean_int(worker.get("restarts")),
            }
        )
    return cleaned


def register(node_id, report):
    if report.get("node_id") != node_id:
        raise NodeRejected("node id in body does not match the signature")
    region = report.get("region")
    if not isinstance(region, str) or not 1 <= len(region) <= 40:
        raise NodeRejected("region is required")
    if not valid_public_url(report.get("public_url")):
        raise NodeRejected("public_url must be an http(s) URL")
    node = db.session.get(SfuNode, node_id)
    if node is None:
        node = SfuNode(id=node_id, registered_at=utcnow())
        db.session.add(node)
    node.region = region
    node.public_url = report["public_url"].rstrip("/")
    node.version = str(report.get("version", ""))[:40]
    apply_report(node, report)
    return node


def heartbeat(node_id, report):
    if report.get("node_id") not in (None, node_id):
        raise NodeRejected("node id in body does not match the signature")
    node = db.session.get(SfuNode, node_id)
    if node is None:
        return None
    apply_report(node, report)
    return node


def assigned_room_keys(node):
    return [room_key(a.room_id) for a in node.assignments]


def room_key(room_id):
    """How a room is named on the nodes: stable across renames."""
    return f"room-{room_id}"


def all_nodes():
    return db.session.scalars(sa.select(SfuNode).order_by(SfuNode.region, SfuNode.id)).all()


def drain(node):
    node.drain_requested = True


def forget(node):
    db.session.execute(sa.delete(RoomAssignment).where(RoomAssignment.node_id == node.id))
    db.session.delete(node)
