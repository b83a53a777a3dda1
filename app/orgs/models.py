"""Organisations, who belongs to them, who was invited, and what changed."""

import secrets
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from ..auth.models import User
from ..extensions import db
from ..timeutil import utcnow

OWNER = "owner"
ADMIN = "admin"
MEMBER = "member"
ROLES = (OWNER, ADMIN, MEMBER)
MANAGERS = (OWNER, ADMIN)


def new_key():
    return secrets.token_urlsafe(16)


class Organisation(db.Model):
    __tablename__ = "organisations"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    # Members who can host: the Business subscription's quantity, or an operator's fixed number.
    seats: Mapped[int] = mapped_column(default=1)
    # Whose Business subscription pays for the seats; None for operators' organisations (no billing).
    billed_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    usage_analytics: Mapped[bool] = mapped_column(default=False)
    # Brand: plain values only, rendered as text and attributes, never as HTML.
    accent_colour: Mapped[str | None] = mapped_column(sa.String(7))
    knock_message: Mapped[str | None] = mapped_column(sa.String(300))
    logo_image: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    background_image: Mapped[bytes | None] = mapped_column(sa.LargeBinary, deferred=True)
    # Changes with each upload, so the image URLs change and caches never show an old brand.
    logo_key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    background_key: Mapped[str | None] = mapped_column(sa.String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    billed_user: Mapped[User | None] = relationship()

    @property
    def billed(self):
        return self.billed_user_id is not None


class Membership(db.Model):
    __tablename__ = "org_members"
    __table_args__ = (sa.UniqueConstraint("org_id", "user_id", name="one_membership"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default=MEMBER)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    org: Mapped[Organisation] = relationship(
        backref=backref("memberships", cascade="all, delete-orphan", order_by="Membership.joined_at")
    )
    user: Mapped[User] = relationship()

    @property
    def manages(self):
        return self.role in MANAGERS


class Invitation(db.Model):
    """An emailed invitation; the link carries a signed id and a nonce only its digest is kept of."""

    __tablename__ = "org_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    role: Mapped[str] = mapped_column(sa.String(10), default=MEMBER)
    nonce_digest: Mapped[str] = mapped_column(sa.String(64))
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    org: Mapped[Organisation] = relationship(
        backref=backref("invitations", cascade="all, delete-orphan", order_by="Invitation.created_at")
    )


class AuditEntry(db.Model):
    """Who changed what in an organisation. Rows are written once and never changed."""

    __tablename__ = "org_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    subject_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # An invitee without an account yet; blanked when that address's account is erased.
    subject_email: Mapped[str | None] = mapped_column(sa.String(254))
    action: Mapped[str] = mapped_column(sa.String(40))
    detail: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    org: Mapped[Organisation] = relationship()
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    subject: Mapped[User | None] = relationship(foreign_keys=[subject_id])
