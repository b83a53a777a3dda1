from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from ..timeutil import utcnow


class PolicyAnnouncement(db.Model):
    """A material policy change announced to every user: at most once per version."""

    __tablename__ = "policy_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    document: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int]
    effective_on: Mapped[date]
    announced_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)

    __table_args__ = (sa.UniqueConstraint("document", "version", name="uq_policy_announcements_document_version"),)


class PolicyAcknowledgement(db.Model):
    """A signed-in person saw and acknowledged a policy change notice."""

    __tablename__ = "policy_acknowledgements"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    document: Mapped[str] = mapped_column(sa.String(40))
    version: Mapped[int]
    acknowledged_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("user_id", "document", "version", name="uq_policy_acknowledgements_user_document"),
    )


class EarlierContact(db.Model):
    """An email address or phone number an account had before, kept only as a keyed hash.

    It lets erasure and the export find support tickets, sales enquiries and codes filed under
    an address the person no longer uses, without keeping the address itself.
    """

    __tablename__ = "earlier_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))  # email or phone
    contact_hash: Mapped[str] = mapped_column(sa.String(64))
    replaced_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    # Hash first: the constraint's index also serves "which account gave this address up?".
    __table_args__ = (sa.UniqueConstraint("contact_hash", "user_id", name="uq_earlier_contacts_hash_user"),)


class RetentionRun(db.Model):
    """One `flask purge` that deleted for real: when, and how many records each rule removed.

    Counts only, no personal data; staff read them under ``/admin/retention``.
    """

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    removed: Mapped[dict] = mapped_column(sa.JSON)  # rule name -> records deleted
    total: Mapped[int] = mapped_column(default=0)
