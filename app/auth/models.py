from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..timeutil import utcnow


class User(UserMixin, db.Model):
    """A registered person. Identified by a verified email address or phone number."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    display_name: Mapped[str | None] = mapped_column(sa.String(50))
    avatar_image: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    avatar_key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    avatar_updated_at: Mapped[datetime | None]
    provider_picture_url: Mapped[str | None] = mapped_column(sa.String(500))
    is_staff: Mapped[bool] = mapped_column(default=False)
    # Set by staff (``/admin``): a disabled account cannot sign in and has no sessions.
    disabled_at: Mapped[datetime | None]
    plan: Mapped[str] = mapped_column(sa.String(20), default="free")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    verified_at: Mapped[datetime | None]

    sessions: Mapped[list["UserSession"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    events: Mapped[list["AccountEvent"]] = relationship(back_populates="user", cascade="all, delete-orphan")
    identities: Mapped[list["OAuthIdentity"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # Set by the session loader: which server-side session this request belongs to.
    session_token = None

    __table_args__ = (
        sa.CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="has_contact"),
        {"sqlite_autoincrement": True},  # a deleted account's id never names a new one
    )

    def get_id(self):
        # Flask-Login keeps this in the cookie: the session token, never the user id, so a
        # cookie stops working the moment its server-side session ends.
        return self.session_token

    @property
    def contact(self):
        return self.email or self.phone

    @property
    def display_label(self):
        return self.display_name or (self.email.split("@")[0] if self.email else "Your account")

    @property
    def is_disabled(self):
        return self.disabled_at is not None

    @property
    def has_avatar(self):
        return self.avatar_updated_at is not None


class UserSession(db.Model):
    """A signed-in browser. Deleting the row signs that browser out, wherever the cookie is."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    remember: Mapped[bool] = mapped_column(default=False)

    user: Mapped[User] = relationship(back_populates="sessions")


class LoginCode(db.Model):
    """A one-time code sent to an email address or phone number. Only its HMAC is stored."""

    __tablename__ = "login_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(20))
    identifier: Mapped[str] = mapped_column(sa.String(254), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None]


class AccountEvent(db.Model):
    """Something that happened to an account, kept so its owner can review it."""

    __tablename__ = "account_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    user: Mapped[User] = relationship(back_populates="events")

    LABELS = {
        "sign_in": "Signed in",
        "sign_in_google": "Signed in with Google",
        "sign_out": "Signed out",
        "contact_changed": "Contact details changed",
        "signed_out_elsewhere": "Signed out everywhere else",
    }

    @property
    def label(self):
        return self.LABELS.get(self.kind, self.kind.replace("_", " ").capitalize())


class OAuthIdentity(db.Model):
    """An external sign-in (Google or another OpenID provider) linked to an account."""

    __tablename__ = "oauth_identities"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: Mapped[str] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(255))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    name: Mapped[str | None] = mapped_column(sa.String(100))
    picture_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="identities")

    __table_args__ = (sa.UniqueConstraint("issuer", "subject", name="uq_oauth_identities_issuer_subject"),)
