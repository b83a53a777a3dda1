"""What people do on an organisation's pages, through a Flask test client."""

import re

import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.orgs.models import Invitation, Membership, Organisation

from .accounts import console_code, csrf_token

LINK_RE = re.compile(r"(https?://\S+/org/invitations/[\w.\-]+)")


def invitation_link(message):
    """The accept link in an invitation email (its text part)."""
    body = message.get_body(("plain",)).get_content()
    return LINK_RE.search(body).group(1)


def path_of(link):
    return "/org/" + link.split("/org/", 1)[1]


def post(client, path, page, **data):
    """POST a form from ``page`` with that page's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client, page), **data})


def invite(client, email, slug="acme", role="member"):
    return post(client, f"/org/{slug}/members", f"/org/{slug}/members", email=email, role=role)


def membership_id(app, email, slug="acme"):
    with app.app_context():
        query = (
            sa.select(Membership.id)
            .join(Organisation)
            .join(User, User.id == Membership.user_id)
            .where(Organisation.slug == slug, User.email == email)
        )
        return db.session.scalar(query)


def roles(app, slug="acme"):
    with app.app_context():
        query = (
            sa.select(User.email, Membership.role)
            .join(Membership, Membership.user_id == User.id)
            .join(Organisation)
            .where(Organisation.slug == slug)
        )
        return dict(db.session.execute(query).all())


def invitation_ids(app, slug="acme"):
    with app.app_context():
        return db.session.scalars(sa.select(Invitation.id).join(Organisation).where(Organisation.slug == slug)).all()


def erase_account(app, client, email):
    """Delete the signed-in account through the privacy centre, code and all; returns the last response."""
    post(client, "/user/privacy/delete", "/user/privacy/delete")
    code = console_code(app, email)
    return post(client, "/user/privacy/delete/confirm", "/user/privacy/delete/confirm", code=code)
