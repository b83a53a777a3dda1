import json

from flask import Blueprint, jsonify, request

from ..extensions import csrf, db, limiter
from . import services
from .services import NodeRejected

bp = Blueprint("nodes", __name__, url_prefix="/api/nodes")


def signed_report():
    """Authenticate the calling node and parse its JSON body: (node_id, report)."""
    body = request.get_data(cache=True)
    node_id = services.authenticate(request.method, request.path, request.headers, body)
    try:
        report = json.loads(body or b"{}")
    except ValueError:
        raise NodeRejected("body is not JSON") from None
    if not isinstance(report, dict):
        raise NodeRejected("body must be a JSON object")
    return node_id, report


@bp.errorhandler(NodeRejected)
def rejected(error):
    db.session.rollback()
    return jsonify(error=f"Request refused: {error}."), 401


@bp.route("/register", methods=["POST"])
@csrf.exempt  # authenticated by an HMAC signature, not a browser session
@limiter.limit("60 per minute")
def register():
    node_id, report = signed_report()
    node = services.register(node_id, report)
    db.session.commit()
    return jsonify(
        heartbeat_interval=services.heartbeat_interval(),
        rooms=services.assigned_room_keys(node),
        state=services.status(node),
    )


@bp.route("/heartbeat", methods=["POST"])
@csrf.exempt  # authenticated by an HMAC signature, not a browser session
@limiter.limit("120 per minute")
def heartbeat():
    node_id, report = signed_report()
    node = services.heartbeat(node_id, report)
    if node is None:
        db.session.commit()  # keep the nonce: the request was authentic
        return jsonify(error="Unknown node: register first."), 404
    db.session.commit()
    return jsonify(
        rooms=services.assigned_room_keys(node),
        state="draining" if node.drain_requested else "serving",
    )
