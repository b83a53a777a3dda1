"""The OpenAPI 3.1 description of ``/v1``, built from the pydantic models the endpoints validate with.

Paths, parameters and status codes are written here once; every schema comes from ``schemas.py``
(OpenAPI 3.1 uses JSON Schema 2020-12, which is what pydantic emits). The product-api page renders
this same document, so the reference people read is the one the code serves.
"""

from functools import cache

from pydantic.json_schema import models_json_schema

from .errors import CODES, MESSAGES
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .idempotency import MAX_LENGTH as IDEMPOTENCY_MAX_LENGTH
from .schemas import ErrorOut, ListQuery, MeetingCreate, MeetingList, MeetingOut

VERSION = "1.0.0"
REF = "#/components/schemas/{model}"

ERROR_WORDS = {
    400: "The request could not be read: malformed JSON, a bad header or query parameter.",
    401: "No API key, or one that is not valid or was revoked.",
    403: "The account's plan does not include the API.",
    404: "No such meeting among this account's meetings.",
    409: "The Idempotency-Key was used with a different body, or no free room name was found.",
    422: "A field is missing or invalid; error.field names it.",
    429: "Too many requests with this key; see Retry-After and RateLimit-Reset.",
}
RATE_LIMIT_HEADERS = {
    name: {"description": words, "schema": {"type": "string"}}
    for name, words in (
        ("RateLimit-Limit", "Requests allowed in the current window."),
        ("RateLimit-Remaining", "Requests left in the current window."),
        ("RateLimit-Reset", "Seconds until the window resets."),
    )
}


def error(status):
    return {
        "description": ERROR_WORDS.get(status, MESSAGES.get(status, CODES[status])),
        "content": {"application/json": {"schema": {"$ref": REF.format(model="ErrorOut")}}},
    }


def errors(*statuses):
    return {str(status): error(status) for status in statuses}


def json_body(model, description, headers=None):
    answer = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=model)}}},
    }
    answer["headers"] = dict(RATE_LIMIT_HEADERS, **(headers or {}))
    return answer


def without_null(prop):
    """A URL has no null: an optional parameter is simply left out, so its schema is the non-null branch."""
    options = [option for option in prop.get("anyOf", ()) if option.get("type") != "null"]
    if len(options) == 1:
        prop = {**{k: v for k, v in prop.items() if k not in ("anyOf", "default")}, **options[0]}
    return prop


def query_parameters(model):
    schema = model.model_json_schema()
    return [
        {
            "name": name,
            "in": "query",
            "required": False,
            "description": prop.pop("description", ""),
            "schema": without_null(prop),
        }
        for name, prop in schema["properties"].items()
    ]


MEETING_ID = {
    "name": "meetingId",
    "in": "path",
    "required": True,
    "description": "The meetingId from the meeting's creation.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 64},
}
IDEMPOTENCY = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "Any string of yours (a UUID is fine). The same key with the same body within a day "
    "answers with the same meeting; with a different body, 409.",
    "schema": {"type": "string", "minLength": 1, "maxLength": IDEMPOTENCY_MAX_LENGTH, "pattern": "^[!-~]+$"},
}


def paths():
    return {
        "/meetings": {
            "post": {
                "operationId": "createMeeting",
                "summary": "Create a meeting",
                "description": "Makes a room that anyone with its link can join until endDate.",
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": REF.format(model="MeetingCreate")}}},
                },
                "responses": {
                    "201": json_body(
                        "MeetingOut",
                        "The new meeting (or, for a repeated Idempotency-Key, the same one again).",
                        {
                            "Location": {
                                "description": "The meeting's address in this API.",
                                "schema": {"type": "string"},
                            }
                        },
                    ),
                    **errors(400, 401, 403, 409, 422, 429),
                },
            },
            "get": {
                "operationId": "listMeetings",
                "summary": "List meetings",
                "description": "This account's meetings, newest first, a page at a time.",
                "parameters": query_parameters(ListQuery),
                "responses": {"200": json_body("MeetingList", "A page of meetings."), **errors(400, 401, 403, 429)},
            },
        },
        "/meetings/{meetingId}": {
            "get": {
                "operationId": "getMeeting",
                "summary": "Get a meeting",
                "description": "One meeting, with its host and viewer links.",
                "parameters": [MEETING_ID],
                "responses": {"200": json_body("MeetingOut", "The meeting."), **errors(401, 403, 404, 429)},
            },
            "delete": {
                "operationId": "deleteMeeting",
                "summary": "Delete a meeting",
                "description": "Deletes the meeting and its room at once; its links stop working.",
                "parameters": [MEETING_ID],
                "responses": {
                    "204": {"description": "Deleted.", "headers": RATE_LIMIT_HEADERS},
                    **errors(401, 403, 404, 429),
                },
            },
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This description",
                "description": "The OpenAPI 3.1 document you are reading. No key needed.",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    **errors(429),
                },
            }
        },
    }


@cache
def spec():
    _, definitions = models_json_schema(
        [
            (MeetingCreate, "validation"),
            (MeetingOut, "serialization"),
            (MeetingList, "serialization"),
            (ErrorOut, "serialization"),
        ],
        ref_template=REF,
    )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Parlor API",
            "version": VERSION,
            "description": "Create meetings from your own product. Send your API key as "
            '\'Authorization: Bearer <key>\'. Every error is JSON: {"error": {"code", "message", "field"}}.',
        },
        "servers": [{"url": "/v1"}],
        "security": [{"apiKey": []}],
        "paths": paths(),
        "components": {
            "schemas": definitions["$defs"],
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key from /user/developers (or `flask api keys create`).",
                }
            },
        },
    }
