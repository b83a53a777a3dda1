"""An organisation's brand as rooms show it to anyone: its images and its stylesheet.

Public because visitors see the brand in the lobby before they sign in; the addresses hold
random keys (images) or a room's public name (stylesheet), so they reveal no more than the room.
"""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, url_for

from ..extensions import db
from ..rooms.models import Room
from . import branding
from .models import Organisation
from .services import memberships_of

bp = Blueprint("orgs_brand", __name__, url_prefix="/org")

CACHE = {"Cache-Control": "public, max-age=86400, immutable"}


def brand_of(room):
    """The organisation whose brand ``room`` shows, or None (templates call this)."""
    if room is None or room.org_id is None:
        return None
    return db.session.get(Organisation, room.org_id)


def _image(column, key_column, key):
    data = db.session.scalar(sa.select(column).where(key_column == key))
    if data is None:
        abort(404)
    return Response(data, mimetype="image/webp", headers=dict(CACHE, **{"X-Content-Type-Options": "nosniff"}))


@bp.route("/logo/<key>.webp")
def logo(key):
    return _image(Organisation.logo_image, Organisation.logo_key, key)


@bp.route("/background/<key>.webp")
def background(key):
    return _image(Organisation.background_image, Organisation.background_key, key)


@bp.route("/brand/<room_name>.css")
def stylesheet(room_name):
    room = db.session.scalar(sa.select(Room).where(Room.name == room_name))
    org = brand_of(room)
    if org is None:
        abort(404)
    background_url = url_for("orgs_brand.background", key=org.background_key) if org.background_key else None
    css = branding.stylesheet(org, background_url)
    return Response(css, mimetype="text/css", headers={"Cache-Control": "no-cache"})


def init_app(app):
    app.add_template_global(brand_of, "org_brand")
    app.add_template_global(memberships_of, "org_memberships")
