"""Signing up and in with one-time codes, and finding or creating accounts."""

import sqlalchemy as sa

from ..extensions import db
from ..mail import MailError, send_email
from ..sms import SmsError, send_sms
from .codes import SIGN_IN, send_code_and_commit
from .identifiers import EMAIL, Identifier
from .models import OAuthIdentity, User


class ProviderEmailUnverified(Exception):
    """An external provider gave us no verified email address to create an account with."""


def find_user(identifier):
    column = User.email if identifier.kind == EMAIL else User.phone
    return db.session.scalar(sa.select(User).where(column == identifier.value))


def send_sign_in_code_and_commit(identifier):
    """Issue and send a sign-in code to anyone who asks; whether an account exists stays private.

    Raises TooManyCodes or DeliveryFailed (see ``codes.send_code_and_commit``).
    """
    existing = find_user(identifier) is not None
    text = "sign in" if existing else "create your account"
    return send_code_and_commit(identifier, SIGN_IN, text, existing=existing)


def complete_sign_in(identifier, display_name=None):
    """Return (user, created) for a verified identifier, creating the account on first use."""
    user = find_user(identifier)
    if user is not None:
        return user, False
    user = User(email=identifier.value if identifier.kind == EMAIL else None)
    user.phone = identifier.value if identifier.kind != EMAIL else None
    user.display_name = display_name or None
    db.session.add(user)
    db.session.flush()
    return user, True


def send_welcome(user):
    if user.email:
        try:
            send_email(user.email, "Welcome to Parlor", "welcome", user=user)
        except MailError:
            pass  # welcome is a courtesy; the account works without it
    else:
        try:
            send_sms(user.phone, "Welcome to Parlor. Claim your room name at any time under My rooms.")
        except SmsError:
            pass


def user_for_provider_claims(claims):
    """Find or create the account behind a verified OpenID Connect identity."""
    issuer, subject = claims["iss"], claims["sub"]
    identity = db.session.scalar(
        sa.select(OAuthIdentity).where(OAuthIdentity.issuer == issuer, OAuthIdentity.subject == subject)
    )
    email = (claims.get("email") or "").lower() or None
    verified = claims.get("email_verified") in (True, "true")
    name = (claims.get("name") or "").strip()[:50] or None
    picture = (claims.get("picture") or "")[:500] or None
    created = False
    if identity is None:
        user = find_user(Identifier(EMAIL, email)) if email and verified else None
        if user is None:
            if not (email and verified):
                raise ProviderEmailUnverified()
            user = User(email=email, display_name=name)
            db.session.add(user)
            created = True
        identity = OAuthIdentity(user=user, issuer=issuer, subject=subject)
        db.session.add(identity)
    identity.email, identity.name, identity.picture_url = email, name, picture
    user = identity.user
    user.provider_picture_url = picture or user.provider_picture_url
    if not user.display_name and name:
        user.display_name = name
    return user, created
