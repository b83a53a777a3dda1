"""``/v1``: the embedded REST API. Thin views over ``meetings``; keys, limits and errors by structure.

Every request but the spec's needs ``Authorization: Bearer <key>`` (``authenticate``); every
answer, errors included, is JSON (``errors.register``); the rate limit counts per key and is
announced in ``RateLimit-*`` headers.
"""

import json
import time

import sqlalchemy as sa
from flask import Blueprint, current_app, g, jsonify, request, url_for
from pydantic import ValidationError

from ..extensions import csrf, db, limiter
from ..netkeys import client_network
from ..timeutil import utcnow
from . import errors, idempotency, keys, meetings
from .errors import ApiError
from .openapi import spec
from .schemas import ListQuery, MeetingCreate, MeetingList, MeetingOut

bp = Blueprint("api", __name__, url_prefix="/v1")
csrf.exempt(bp)  # keys in a header, not cookies: nothing for a forged cross-site request to ride on
errors.register(bp)

DEFAULT_RATE_LIMIT = "120 per minute"
LAST_USED_EVERY_SECONDS = 60  # "last used" to the minute, without a write on every request


def bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def presented_key():
    """The key record this request presents, or None; looked up once per request."""
    if "presented_key" not in g:
        g.presented_key = keys.find_key(bearer_token())
    return g.presented_key


def rate_limit_key():
    """Each key has its own budget; requests without a valid one share their network's, so
    inventing keys does not buy new budgets."""
    api_key = presented_key()
    return f"api-key:{api_key.id}" if api_key is not None else "api-net:" + client_network()


limiter.limit(lambda: current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT, key_func=rate_limit_key)(bp)


@bp.before_request
def authenticate():
    if request.endpoint == "api.openapi":
        return
    if not bearer_token():
        raise ApiError(401, field="Authorization")
    api_key = presented_key()
    if api_key is None:
        raise ApiError(401, "That API key is not valid, or it was revoked.", "Authorization")
    if not keys.has_api(api_key.owner):
        raise ApiError(403, "This account's plan does not include the API.", code="plan_without_api")
    used = api_key.last_used_at
    if used is None or (utcnow() - used).total_seconds() >= LAST_USED_EVERY_SECONDS:
        keys.mark_used(api_key)
        db.session.commit()  # kept even when the request itself then fails
    g.api_key = api_key


@bp.after_request
def rate_limit_headers(response):
    """The IETF draft's RateLimit-* fields (Flask-Limiter itself only sends X-RateLimit-*)."""
    current = limiter.current_limit
    if current is not None:
        response.headers["RateLimit-Limit"] = str(current.limit.amount)
        response.headers["RateLimit-Remaining"] = str(max(0, current.remaining))
        response.headers["RateLimit-Reset"] = str(max(0, int(current.reset_at - time.time())))
    return response


def meeting_json(meeting, fields=(), status=200):
    body = MeetingOut(**meetings.describe(meeting, fields)).model_dump(mode="json", exclude_none=True)
    return body, status


def read_body(model):
    raw = request.get_data(cache=True)
    try:
        payload = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The body must be a JSON object.", code="invalid_json") from None
    return payload, model.model_validate_json(raw)


@bp.post("/meetings")
def create_meeting():
    key = idempotency.key_from(request.headers)
    payload, wanted = read_body(MeetingCreate)
    digest = idempotency.digest_of(payload)
    if key is not None and (kept := idempotency.recall(g.api_key, key)) is not None:
        return idempotency.replay(kept, digest)
    meeting = meetings.create_meeting(g.api_key, wanted)
    body, _ = meeting_json(meeting, wanted.fields, 201)
    text = json.dumps(body)
    if key is not None:
        try:
            idempotency.remember(g.api_key, key, digest, 201, text)
        except sa.exc.IntegrityError:
            # The same key arrived twice at once: the other request's meeting stands, ours goes.
            db.session.rollback()
            return idempotency.replay(idempotency.recall(g.api_key, key), digest)
    db.session.commit()
    location = url_for("api.get_meeting", meeting_id=meeting.public_id)
    return current_app.response_class(text, 201, mimetype="application/json", headers={"Location": location})


@bp.get("/meetings")
def list_meetings():
    try:
        query = ListQuery.model_validate(request.args.to_dict())
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise ApiError(400, f"{field}: {first['msg']}", field, code="invalid_parameter") from None
    found, cursor = meetings.page_of(g.api_key.owner_id, query.limit, query.cursor)
    page = MeetingList(results=[MeetingOut(**meetings.describe(m)) for m in found], cursor=cursor)
    # Unrequested fields are left out of each meeting; the cursor is null on the last page.
    return jsonify(results=[m.model_dump(mode="json", exclude_none=True) for m in page.results], cursor=page.cursor)


@bp.get("/meetings/<meeting_id>")
def get_meeting(meeting_id):
    meeting = meetings.meeting_of(g.api_key.owner_id, meeting_id)
    return meeting_json(meeting, ("hostRoomUrl", "viewerRoomUrl"))


@bp.delete("/meetings/<meeting_id>")
def delete_meeting(meeting_id):
    meetings.delete_meeting(meetings.meeting_of(g.api_key.owner_id, meeting_id))
    db.session.commit()
    response = current_app.response_class(status=204)
    del response.headers["Content-Type"]  # no body, so no type (and never text/html)
    return response


@bp.route("", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def root():
    """``/v1`` itself is no resource, but it must not fall through to the room lobby at ``/<room-name>``."""
    raise ApiError(404, "See /v1/openapi.json for what this API offers.")


@bp.get("/openapi.json")
def openapi():
    return jsonify(spec())
