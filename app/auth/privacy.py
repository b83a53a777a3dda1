"""Accounts, sign-ins, sessions and one-time codes, as the privacy registry lists them."""

import sqlalchemy as sa

from ..privacy.contacts import filed_under
from ..privacy.registry import (
    CONTRACT,
    LEGITIMATE_INTEREST,
    Category,
    Rule,
    Source,
    days_after_made,
    owned_by,
    register_category,
    register_rule,
)
from .models import AccountEvent, LoginCode, OAuthIdentity, User, UserSession


def register(app):
    register_category(
        app,
        Category(
            "account",
            "Account information",
            CONTRACT,
            lambda: "Kept until you delete your account.",
            (
                Source(
                    User,
                    lambda user: User.id == user.id,
                    {
                        "id": "Your account number.",
                        "email": "The email address you sign in with.",
                        "phone": "The phone number you sign in with (E.164 format).",
                        "display_name": "The name shown on your video tile.",
                        "avatar_key": "The random address of your profile picture (the picture is avatar.webp).",
                        "avatar_updated_at": "When you last changed your picture.",
                        "provider_picture_url": "The picture address Google gave us, if you signed in with Google.",
                        "is_staff": "Whether you work for us.",
                        "disabled_at": "When our staff disabled the account, if they did.",
                        "plan": "Your plan: free, pro, business or embedded.",
                        "created_at": "When the account was created.",
                        "verified_at": "When you first confirmed a sign-in code.",
                    },
                    withheld={"avatar_image": "Exported as the separate file avatar.webp."},
                ),
                Source(
                    OAuthIdentity,
                    owned_by(OAuthIdentity.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "issuer": "Who vouched for you (e.g. Google's address).",
                        "subject": "Your id at that provider.",
                        "email": "The email the provider gave us.",
                        "name": "The name the provider gave us.",
                        "picture_url": "The picture address the provider gave us.",
                        "created_at": "When it was linked.",
                    },
                ),
            ),
        ),
    )
    register_category(
        app,
        Category(
            "sign_ins",
            "Sign-ins and sessions",
            LEGITIMATE_INTEREST + " Keeping your account secure.",
            days_after_made("SIGNIN_RETENTION_DAYS"),
            (
                Source(
                    AccountEvent,
                    owned_by(AccountEvent.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "kind": "sign_in, sign_in_google, sign_out or contact_changed.",
                        "ip": "The IP address it came from.",
                        "user_agent": "The browser's description of itself.",
                        "created_at": "When it happened.",
                    },
                ),
                Source(
                    UserSession,
                    owned_by(UserSession.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "created_at": "When you signed in.",
                        "last_seen_at": "When the browser was last active.",
                        "expires_at": "When the session ends.",
                        "remember": "Whether you chose to stay signed in.",
                    },
                    withheld={"token_hash": "A one-way hash of the session key; sharing it would only add risk."},
                ),
                Source(
                    LoginCode,
                    lambda user: sa.or_(
                        LoginCode.user_id == user.id,
                        filed_under(user, LoginCode.identifier, LoginCode.created_at),
                    ),
                    {
                        "id": "Record number.",
                        "purpose": "What the code was for.",
                        "identifier": "Where it was sent.",
                        "user_id": "Your account number.",
                        "created_at": "When it was sent.",
                        "expires_at": "When it expired.",
                        "attempts": "Wrong tries.",
                        "used_at": "When it was used.",
                    },
                    withheld={"code_hash": "A one-way hash of a one-time code; useless to you and risky to share."},
                    keyed_on_contact=True,
                ),
            ),
        ),
    )
    register_rule(app, Rule("sign-in history", AccountEvent, "created_at", "SIGNIN_RETENTION_DAYS"))
    register_rule(app, Rule("one-time codes", LoginCode, "expires_at", 1, description="a day after they expire"))
    register_rule(
        app,
        Rule(
            "sign-ups never confirmed",
            User,
            "created_at",
            "UNVERIFIED_SIGNUP_RETENTION_DAYS",
            where=(("verified_at", None),),
        ),
    )
    register_rule(app, Rule("ended sessions", UserSession, "expires_at", 0))
