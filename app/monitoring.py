"""Liveness and Prometheus metrics for the app itself."""

import hmac

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Gauge, generate_latest

from .extensions import db

bp = Blueprint("monitoring", __name__)


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:
        return jsonify(status="unhealthy", database="unreachable"), 503
    return jsonify(status="ok", database="ok")


@bp.route("/metrics")
def metrics():
    token = current_app.config.get("METRICS_TOKEN")
    if token and not hmac.compare_digest(request.headers.get("Authorization", ""), f"Bearer {token}"):
        return jsonify(error="A metrics token is required."), 401
    from .auth.models import User
    from .nodes.models import RoomAssignment, SfuNode
    from .nodes.services import status
    from .rooms.models import Room

    # A fresh registry per scrape: values come from the database, shared by every worker.
    registry = CollectorRegistry()
    Gauge("parlor_users", "Registered accounts", registry=registry).set(
        db.session.scalar(sa.select(sa.func.count()).select_from(User))
    )
    Gauge("parlor_rooms", "Claimed rooms", registry=registry).set(
        db.session.scalar(sa.select(sa.func.count()).select_from(Room))
    )
    Gauge("parlor_rooms_on_nodes", "Rooms assigned to SFU nodes", registry=registry).set(
        db.session.scalar(sa.select(sa.func.count()).select_from(RoomAssignment))
    )
    node_state = Gauge("parlor_sfu_nodes", "SFU nodes by state", ["state"], registry=registry)
    participants = Gauge("parlor_sfu_participants", "Participants reported by each node", ["node"], registry=registry)
    counts = {"serving": 0, "draining": 0, "dead": 0}
    for node in db.session.scalars(sa.select(SfuNode)):
        counts[status(node)] += 1
        participants.labels(node=node.id).set(node.participants)
    for state, count in counts.items():
        node_state.labels(state=state).set(count)
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
