"""Everything Parlor holds about a person, by the categories of the privacy policy.

The dashboard counts from here, the export dumps from here, and a test walks the schema to
prove every table that refers to a user is listed. Each exported field is described, and
fields we withhold from the export say why.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from ..extensions import db


@dataclass(frozen=True)
class Source:
    model: type
    where: object  # callable(user) -> SQL condition
    fields: dict  # column -> description shown in the export's README
    withheld: dict = field(default_factory=dict)  # column -> why it is not exported

    @property
    def table(self):
        return self.model.__tablename__

    def rows(self, user):
        return db.session.scalars(sa.select(self.model).where(self.where(user))).all()

    def count(self, user):
        return db.session.scalar(sa.select(sa.func.count()).select_from(self.model).where(self.where(user)))


@dataclass(frozen=True)
class Category:
    key: str
    title: str
    legal_ground: str
    retention: object  # callable() -> words
    sources: tuple
    extra_count: object = None  # callable(user) -> records held outside the database


def _days(setting):
    return lambda: f"Each record is deleted {current_app.config[setting]} days after it was made."


def categories():
    from ..account.consents import ConsentEvent
    from ..auth.models import AccountEvent, LoginCode, OAuthIdentity, User, UserSession
    from ..privacy.models import PolicyAcknowledgement
    from ..rooms.models import Room
    from ..site.models import ContactRequest
    from ..support.models import SupportTicket
    from ..usage import techlog
    from ..usage.models import UsageEvent

    def mine(model):
        return lambda user: model.user_id == user.id

    contract = "Needed to provide the service you asked for (GDPR art. 6(1)(b))."
    interest = "Our legitimate interests (GDPR art. 6(1)(f))."
    table = [
        Category(
            "account",
            "Account information",
            contract,
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
                        "plan": "Your plan: free, pro or business.",
                        "created_at": "When the account was created.",
                        "verified_at": "When you first confirmed a sign-in code.",
                    },
                    withheld={"avatar_image": "Exported as the separate file avatar.webp."},
                ),
                Source(
                    OAuthIdentity,
                    mine(OAuthIdentity),
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
        Category(
            "rooms",
            "Room information",
            contract,
            lambda: "Kept until you delete the room or your account.",
            (
                Source(
                    Room,
                    lambda user: Room.owner_id == user.id,
                    {
                        "id": "Room number.",
                        "name": "The public room name.",
                        "key": "A random identifier telling this room apart from earlier rooms of the same name.",
                        "owner_id": "Your account number.",
                        "mode": "normal (follows your plan) or group (always large meetings).",
                        "locked": "Whether visitors must knock.",
                        "created_at": "When you claimed it.",
                    },
                ),
            ),
        ),
        Category(
            "usage",
            "Usage information",
            interest + " Product analytics only with your consent.",
            lambda: (
                f"Analytics events are deleted after {current_app.config['USAGE_RETENTION_DAYS']} days, "
                f"technical log lines after {current_app.config['TECHNICAL_LOG_RETENTION_DAYS']} days."
            ),
            (
                Source(
                    UsageEvent,
                    mine(UsageEvent),
                    {
                        "id": "Record number.",
                        "kind": "page_visited, room_visited, meeting_started or meeting_ended.",
                        "user_id": "Your account number.",
                        "room_id": "The room involved, if any.",
                        "path": "The page visited.",
                        "duration_seconds": "How long a meeting lasted.",
                        "peak_participants": "The most people in that meeting at once (never who they were).",
                        "device_type": "desktop, mobile, tablet or other.",
                        "os": "Operating system.",
                        "browser": "Browser family.",
                        "country": "Country of the IP address.",
                        "created_at": "When it happened.",
                    },
                ),
            ),
            extra_count=lambda user: sum(1 for _ in techlog.lines_for_user(user.id)),
        ),
        Category(
            "sign_ins",
            "Sign-ins and sessions",
            interest + " Keeping your account secure.",
            _days("SIGNIN_RETENTION_DAYS"),
            (
                Source(
                    AccountEvent,
                    mine(AccountEvent),
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
                    mine(UserSession),
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
                        LoginCode.identifier.in_([c for c in (user.email, user.phone) if c]),
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
                ),
            ),
        ),
        Category(
            "support",
            "Customer support information",
            contract + " And our legitimate interest.",
            lambda: f"Deleted {current_app.config['CLOSED_TICKET_RETENTION_DAYS']} days after a ticket is closed.",
            (
                Source(
                    SupportTicket,
                    lambda user: sa.or_(
                        SupportTicket.user_id == user.id,
                        SupportTicket.email == (user.email or "\x00"),
                    ),
                    {
                        "id": "Ticket number.",
                        "user_id": "Your account number, if you were signed in.",
                        "email": "Where we reply.",
                        "subject": "Your subject.",
                        "message": "Your message.",
                        "status": "open or closed.",
                        "created_at": "When you wrote.",
                        "closed_at": "When it was closed.",
                        "mailed_at": "When it reached our support team.",
                    },
                ),
            ),
        ),
        Category(
            "correspondence",
            "Correspondence",
            interest,
            _days("CORRESPONDENCE_RETENTION_DAYS"),
            (
                Source(
                    ContactRequest,
                    lambda user: ContactRequest.email == (user.email or "\x00"),
                    {
                        "id": "Record number.",
                        "name": "Your name.",
                        "email": "Your email address.",
                        "company": "Your company.",
                        "team_size": "Your team's size.",
                        "message": "Your message.",
                        "created_at": "When you wrote.",
                        "mailed_at": "When it reached our sales team.",
                    },
                ),
            ),
        ),
        Category(
            "consents",
            "Consents",
            "Our legal obligation to prove consent (GDPR art. 6(1)(c), art. 7(1)).",
            lambda: "Kept while your account exists, deleted with it.",
            (
                Source(
                    ConsentEvent,
                    mine(ConsentEvent),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "purpose": "newsletter, digest, activity or analytics.",
                        "granted": "true when you agreed, false when you withdrew.",
                        "policy_version": "The privacy policy version you were shown.",
                        "source": "Where you chose: settings_page, signup_form, unsubscribe_link or cookie_banner.",
                        "created_at": "When you chose.",
                    },
                ),
                Source(
                    PolicyAcknowledgement,
                    mine(PolicyAcknowledgement),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "document": "Which legal document.",
                        "version": "Which version.",
                        "acknowledged_at": "When you acknowledged the change notice.",
                    },
                ),
            ),
        ),
    ]
    return table + list(current_app.extensions.get("parlor_privacy_categories", []))


def register_category(app, category):
    """Features that hold personal data of their own (billing's transactions) list it here."""
    app.extensions.setdefault("parlor_privacy_categories", []).append(category)


def summary(user):
    """Per category: title, record count, legal ground and retention, for the dashboard."""
    rows = []
    for category in categories():
        count = sum(source.count(user) for source in category.sources)
        if category.extra_count:
            count += category.extra_count(user)
        rows.append(
            {
                "key": category.key,
                "title": category.title,
                "count": count,
                "legal_ground": category.legal_ground,
                "retention": category.retention(),
            }
        )
    return rows
