"""Allowed origins: parsing what an account types, and which sites may frame a room."""

from urllib.parse import urlsplit

import sqlalchemy as sa

from ..extensions import db
from .models import AllowedOrigin

MAX_ORIGINS = 20


class InvalidOrigins(Exception):
    """The message names every line that is not an origin."""


def normalise_origin(text):
    """``https://Shop.Example:443`` → ``https://shop.example``; ValueError for anything else."""
    text = text.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError("not an http(s) origin")
    if parts.username or parts.password or parts.query or parts.fragment or parts.path not in ("", "/"):
        raise ValueError("an origin has no path, query or credentials")
    host = parts.hostname.lower()
    if any(c in host for c in "*;, '\"") or len(text) > 200:
        raise ValueError("not a host name")
    if ":" in host:
        host = f"[{host}]"
    port = parts.port  # ValueError for a bad port
    default = {"https": 443, "http": 80}[parts.scheme]
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def parse_origins(lines):
    """Every line an origin (blank lines ignored), at most MAX_ORIGINS, duplicates merged."""
    origins, bad = [], []
    for line in lines:
        if not line.strip():
            continue
        try:
            origin = normalise_origin(line)
        except ValueError:
            bad.append(line.strip()[:80])
            continue
        if origin not in origins:
            origins.append(origin)
    if bad:
        raise InvalidOrigins(
            "Each line must be an origin like https://www.example.com (no path); not: " + ", ".join(bad)
        )
    if len(origins) > MAX_ORIGINS:
        raise InvalidOrigins(f"At most {MAX_ORIGINS} allowed origins.")
    return origins


def origins_of(user_id):
    return db.session.scalars(
        sa.select(AllowedOrigin.origin).where(AllowedOrigin.user_id == user_id).order_by(AllowedOrigin.id)
    ).all()


def set_origins(user, origins):
    """Replace the account's allowed origins with ``origins`` (already parsed)."""
    db.session.execute(sa.delete(AllowedOrigin).where(AllowedOrigin.user_id == user.id))
    for origin in origins:
        db.session.add(AllowedOrigin(user_id=user.id, origin=origin))
    db.session.flush()


def framing_origins(room):
    """The sites that may frame ``room``: its owner's allowed origins (none: nobody)."""
    return origins_of(room.owner_id)
