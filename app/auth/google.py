"""Sign-in with Google, or any OpenID Connect provider, through Authlib.

Authlib keeps state and nonce in the session and checks the ID token's signature, issuer,
audience, expiry and nonce; anything off is refused here without touching the database.
"""

import logging
import secrets

import requests
from authlib.common.errors import AuthlibBaseError
from flask import abort, current_app, flash, redirect, session, url_for
from joserfc.errors import JoseError

from ..extensions import db, limiter, oauth
from .routes import bp, safe_next
from .services import ProviderEmailUnverified, send_welcome, user_for_provider_claims
from .sessions import AccountDisabled, sign_in

log = logging.getLogger("parlor.auth")

PROVIDER = "google"


def init_app(app):
    oauth.init_app(app)
    if app.config["OIDC_CLIENT_ID"]:
        oauth.register(
            PROVIDER,
            client_id=app.config["OIDC_CLIENT_ID"],
            client_secret=app.config["OIDC_CLIENT_SECRET"],
            server_metadata_url=app.config["OIDC_DISCOVERY_URL"],
            client_kwargs={"scope": "openid email profile"},
        )


def provider():
    if not current_app.config["OIDC_CLIENT_ID"]:
        abort(404)
    return oauth.create_client(PROVIDER)


@bp.route("/login/google")
@limiter.limit("10 per minute")
def google_login():
    client = provider()
    try:
        return client.authorize_redirect(
            url_for("auth.google_callback", _external=True), nonce=secrets.token_urlsafe(24)
        )
    except (requests.RequestException, ValueError, KeyError):
        log.exception("OpenID provider metadata could not be loaded")
        flash("Google sign-in is not reachable right now. Use your email address or phone number instead.", "error")
        return redirect(url_for("auth.login"))


@bp.route("/login/google/callback")
@limiter.limit("10 per minute")
def google_callback():
    client = provider()
    try:
        token = client.authorize_access_token()
        claims = token.get("userinfo")
        if not claims or not claims.get("sub"):
            raise ValueError("no ID token in the provider's answer")
        user, created = user_for_provider_claims(dict(claims))
    except ProviderEmailUnverified:
        db.session.rollback()
        flash("Your Google account has no verified email address, so we cannot create an account from it.", "error")
        return redirect(url_for("auth.signup")), 303
    except (AuthlibBaseError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        db.session.rollback()
        log.warning("Google sign-in refused: %s", type(error).__name__)
        flash("Google sign-in did not complete, so nothing was changed. Please try again.", "error")
        return redirect(url_for("auth.login")), 303
    next_path = session.get("pending_code", {}).get("next")
    try:
        sign_in(user, remember=False, event="sign_in_google")
    except AccountDisabled as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("auth.login")), 303
    db.session.commit()
    if created:
        send_welcome(user)
        flash("Welcome to Parlor! Your account is ready.", "success")
    return redirect(safe_next(next_path))
