"""Error pages in the site's design, and JSON errors for API clients."""

import logging
import time

import sqlalchemy as sa
from flask import g, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .api.errors import error_response as api_error_response
from .extensions import db, limiter, login_manager

log = logging.getLogger("parlor.errors")

MESSAGES = {
    400: ("That request did not make sense", "Something in what was sent was missing or malformed."),
    401: ("Please sign in", "You need to be signed in to do that."),
    403: ("Not allowed", "Your account does not have access to this."),
    404: ("Page not found", "There is no page at this address. Check the link, or start from the home page."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("That was too large", "The file or form you sent is bigger than we accept."),
    429: ("Slow down a little", "You have tried this too many times."),
    500: ("Something went wrong on our side", "We have logged the problem. Please try again in a moment."),
    503: (
        "Back in a moment",
        "We cannot reach our database just now, so nothing you sent was saved. Please try again in a minute.",
    ),
}
# How long a client (a person, or Stripe redelivering a webhook) should wait while the database is away.
DATABASE_RETRY_AFTER = 30


def wants_json():
    return (
        request.path.startswith("/api/")
        or request.path.startswith("/stripe/")
        or (request.accept_mimetypes.best == "application/json")
    )


def retry_after_seconds():
    current = limiter.current_limit
    if current is None:
        return None
    return max(1, int(current.reset_at - time.time()))


def in_api():
    """``/v1`` answers in its own JSON shape, even for addresses no route matched."""
    return request.path == "/v1" or request.path.startswith("/v1/")


def render_error(code, message=None):
    if in_api():
        status = code if code in (400, 401, 403, 404, 405, 413, 429, 503) else 500
        return api_error_response(status, message), status
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    message = message or default_message
    retry_after = retry_after_seconds() if code == 429 else DATABASE_RETRY_AFTER if code == 503 else None
    if wants_json():
        body = {"error": message}
        if retry_after:
            body["retry_after"] = retry_after
        response = jsonify(body)
    else:
        template = f"errors/{code}.html" if code in (404, 429, 500) else "errors/generic.html"
        response = render_template(template, code=code, title=title, message=message, retry_after=retry_after)
    return response, code


def init_app(app):
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, "This form has expired or was not sent from our site. Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(error):
        # A description passed to abort() is ours and meant for people; Werkzeug's defaults are not.
        custom = error.description != type(error).description
        response, code = render_error(error.code or 500, error.description if custom else None)
        if code == 405 and getattr(error, "valid_methods", None) and hasattr(response, "headers"):
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response, code

    @app.errorhandler(sa.exc.OperationalError)
    @app.errorhandler(sa.exc.InterfaceError)
    def database_unavailable(error):
        """The database is down or restarting: a designed 503 that says when to come back, never a 500.

        Stripe redelivers a webhook answered with any 5xx, so nothing it sent is lost either.
        """
        log.warning("database unavailable on %s %s: %s", request.method, request.path, error.orig)
        try:
            db.session.rollback()
        except sa.exc.SQLAlchemyError:
            pass  # the connection is gone; the pool replaces it once the database is back
        g._login_user = login_manager.anonymous_user()  # the page must not ask the database who this is
        response = make_response(render_error(503))
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
