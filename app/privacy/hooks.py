"""Site-wide privacy behaviour: page-visit analytics (with consent) and what the banners need."""

from flask import has_request_context, request
from flask_login import current_user

from ..account.consents import visitor_choice
from ..extensions import db
from ..usage import track
from .notices import pending_notices

# Marketing, legal and support pages count as "page visited"; rooms have their own event.
TRACKED_BLUEPRINTS = {"site", "support"}


def track_page_visit(response):
    page_view = (
        request.method == "GET"
        and response.status_code == 200
        and response.mimetype == "text/html"
        and request.blueprint in TRACKED_BLUEPRINTS
    )
    if page_view and track("page_visited", user=current_user) is not None:
        db.session.commit()
    return response


def banner_context():
    if not has_request_context():  # emails rendered from the command line
        return {"cookie_choice": None, "policy_notices": []}
    signed_in = current_user.is_authenticated
    return {
        "cookie_choice": visitor_choice(),
        "policy_notices": pending_notices(current_user) if signed_in else [],
    }


def init_app(app):
    app.after_request(track_page_visit)
    app.context_processor(banner_context)
