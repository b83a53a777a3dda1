"""Every ``/v1`` error is JSON ``{"error": {"code", "message", "field"}}``, never an HTML page."""

import logging

from flask import jsonify
from flask_limiter.errors import RateLimitExceeded
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

log = logging.getLogger("parlor.api")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_field",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}
MESSAGES = {
    400: "The request could not be read.",
    401: "Send a valid API key as 'Authorization: Bearer <key>'.",
    403: "This key may not do that.",
    404: "There is nothing at this address.",
    405: "This address does not accept that method.",
    413: "The request body is too large.",
    429: "Too many requests with this key. Wait a moment and try again.",
    500: "Something went wrong on our side. It is logged; please try again.",
    503: "We cannot reach our database just now; nothing was saved. Try again in a minute.",
}


class ApiError(Exception):
    """An answer an endpoint gives instead of its result."""

    def __init__(self, status, message=None, field=None, code=None):
        super().__init__(message or MESSAGES.get(status, ""))
        self.status, self.field = status, field
        self.code = code or CODES.get(status, "error")


def error_response(status, message=None, field=None, code=None):
    body = {
        "error": {"code": code or CODES.get(status, "error"), "message": message or MESSAGES[status], "field": field}
    }
    response = jsonify(body)
    response.status_code = status
    return response


def from_validation(error):
    """The first problem pydantic found, as a 422 naming the field."""
    first = error.errors()[0]
    location = ".".join(str(part) for part in first.get("loc", ()))
    return error_response(422, f"{location}: {first['msg']}" if location else first["msg"], location or None)


def from_http(error):
    status = error.code or 500
    if status not in MESSAGES:
        status = 400 if 400 <= status < 500 else 500
    # Our own abort() descriptions are meant for people; Werkzeug's defaults are not.
    custom = error.description != type(error).description and not isinstance(error, RateLimitExceeded)
    response = error_response(status, error.description if custom else None)
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def register(bp):
    @bp.errorhandler(ApiError)
    def api_error(error):
        return error_response(error.status, str(error), error.field, error.code)

    @bp.errorhandler(ValidationError)
    def validation_error(error):
        return from_validation(error)

    @bp.errorhandler(HTTPException)
    def http_error(error):
        return from_http(error)

    @bp.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled API error")
        return error_response(500)
