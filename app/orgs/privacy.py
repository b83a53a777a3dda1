"""Organisations, as the privacy registry lists them."""

import sqlalchemy as sa

from ..extensions import db
from ..privacy.registry import (
    Category,
    ErasureRefused,
    Rule,
    Source,
    register_category,
    register_erasure_check,
    register_erasure_step,
    register_rule,
)
from .audit import describe
from .models import OWNER, AuditEntry, Invitation, Membership, Organisation
from .services import follow_owner, owners

AUDIT_RETENTION_DAYS = 730
EXPIRED_INVITATION_DAYS = 30


def register(app):
    register_rule(
        app,
        Rule(
            "organisation audit log",
            AuditEntry,
            "created_at",
            AUDIT_RETENTION_DAYS,
            description="deleted two years after each change",
        ),
    )
    register_rule(
        app,
        Rule(
            "expired organisation invitations",
            Invitation,
            "expires_at",
            EXPIRED_INVITATION_DAYS,
            description="deleted 30 days after they expire",
        ),
    )
    register_category(app, organisations_category())
    register_erasure_step(app, leave_organisations)
    register_erasure_check(app, sole_ownerships)


def sole_ownerships(user):
    """Why ``user`` cannot be erased yet: organisations they alone own while others are members."""
    reasons = []
    for membership in db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id)).all():
        org = membership.org
        others = [m for m in org.memberships if m.user_id != user.id]
        if membership.role == OWNER and len(owners(org)) == 1 and others:
            reasons.append(
                f"You are the only owner of {org.name}, which has {len(others)} other member"
                f"{'s' if len(others) != 1 else ''}. Make one of them owner on /org/{org.slug}/members."
            )
    return reasons


def leave_organisations(user):
    """Erasure: take the person out of every organisation, or refuse while others depend on them."""
    if reasons := sole_ownerships(user):
        raise ErasureRefused(" ".join(reasons))
    mine = db.session.scalars(sa.select(Membership).where(Membership.user_id == user.id)).all()
    for membership in mine:
        org = membership.org
        if len(org.memberships) == 1:
            db.session.delete(org)  # nobody else is in it: its team rooms and log go with it
            continue
        db.session.delete(membership)
        db.session.flush()
        db.session.expire(org, ["memberships"])
        follow_owner(org)  # team rooms are filed under a remaining owner, not deleted with this account
    if user.email:
        email = user.email.lower()
        db.session.execute(sa.delete(Invitation).where(Invitation.email == email))
        db.session.execute(sa.update(AuditEntry).where(AuditEntry.subject_email == email).values(subject_email=None))
    db.session.flush()
    return None


def audit_lines(user):
    """The audit log entries about the person or by them, for the privacy dashboard."""
    query = sa.select(AuditEntry).where(sa.or_(AuditEntry.actor_id == user.id, AuditEntry.subject_id == user.id))
    entries = db.session.scalars(query.order_by(AuditEntry.created_at.desc()).limit(50)).all()
    return [f"{e.created_at:%Y-%m-%d %H:%M} UTC, {e.org.name}: {describe(e)}" for e in entries]


def organisations_category():
    return Category(
        "organisations",
        "Organisation information",
        "Needed to provide the Business service you or your employer asked for (GDPR art. 6(1)(b)); for "
        "organisations we process members' data on the organisation's behalf, as its processor (art. 28).",
        lambda: (
            "Memberships last until you leave or are removed; invitations until used, withdrawn or 30 days "
            f"after they expire; the audit log {AUDIT_RETENTION_DAYS // 365} years after each change."
        ),
        details=audit_lines,
        sources=(
            Source(
                Membership,
                lambda user: Membership.user_id == user.id,
                {
                    "id": "Record number.",
                    "org_id": "The organisation's number.",
                    "user_id": "Your account number.",
                    "role": "owner, admin or member.",
                    "joined_at": "When you joined.",
                },
            ),
            Source(
                Organisation,
                lambda user: Organisation.billed_user_id == user.id,
                {
                    "id": "The organisation's number.",
                    "slug": "Its address.",
                    "name": "Its name.",
                    "seats": "Seats paid for.",
                    "billed_user_id": "Your account number: your subscription pays for its seats.",
                    "usage_analytics": "Whether it agreed to usage counts for its admins.",
                    "accent_colour": "Its brand colour.",
                    "knock_message": "The message visitors see while they knock.",
                    "logo_key": "Identifier of its logo image.",
                    "background_key": "Identifier of its room background image.",
                    "created_at": "When it was created.",
                },
                withheld={
                    "logo_image": "The organisation's logo, an image about it rather than you.",
                    "background_image": "The organisation's room background, an image about it rather than you.",
                },
            ),
            Source(
                Invitation,
                lambda user: sa.or_(
                    Invitation.email == (user.email or "").lower(), Invitation.invited_by_id == user.id
                ),
                {
                    "id": "Record number.",
                    "org_id": "The organisation's number.",
                    "email": "The address invited (yours, or someone you invited).",
                    "role": "The role offered.",
                    "invited_by_id": "Account number of who invited.",
                    "created_at": "When the invitation was made.",
                    "expires_at": "When its link stops working.",
                },
                withheld={"nonce_digest": "A digest of the link's secret, of no use to anyone but us."},
            ),
            Source(
                AuditEntry,
                lambda user: sa.or_(AuditEntry.actor_id == user.id, AuditEntry.subject_id == user.id),
                {
                    "id": "Record number.",
                    "org_id": "The organisation's number.",
                    "actor_id": "Account number of who made the change.",
                    "subject_id": "Account number of whom it concerned.",
                    "subject_email": "The address it concerned, for invitations.",
                    "action": "What changed.",
                    "detail": "Details (roles, seat counts, room names).",
                    "created_at": "When.",
                },
            ),
        ),
    )
