"""Organisation rules: who belongs, in which role, and who may change that.

Every function takes the acting member's ``Membership`` read from the database on this request,
so a removed member's next request already finds nothing. Functions flush, never commit.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..auth.models import User
from ..extensions import db
from ..rooms.models import Room
from ..rooms.names import InvalidRoomName, check_room_name, normalise
from ..timeutil import utcnow
from . import audit
from .models import ADMIN, MEMBER, OWNER, ROLES, Invitation, Membership, Organisation

INVITATION_DAYS = 7
SLUG_MAX = 20  # leaves room for "<slug>-<room>" inside the 40-character room names
# Words the /org/ pages use themselves.
SLUG_RESERVED = {"new", "invitations", "logo", "background"}


class OrgError(Exception):
    """An organisation action that cannot happen; the message is meant for people."""


class NotAllowed(OrgError):
    """The member's role does not allow this (the view answers 403)."""


class SlugTaken(OrgError):
    def __init__(self):
        super().__init__("That address is already taken. Try another.")


class LastOwner(OrgError):
    def __init__(self):
        super().__init__("An organisation needs an owner. Make someone else owner first.")


class SeatsFull(OrgError):
    def __init__(self, seats):
        super().__init__(
            f"All {seats} seat{'s' if seats != 1 else ''} are taken. An owner or admin must add seats "
            "on the billing page before anyone else can be invited."
        )


class InvitationInvalid(OrgError):
    def __init__(self):
        super().__init__(
            "This invitation link is not valid: it was used, withdrawn, replaced by a newer one, or it "
            "expired. Ask the person who invited you to send it again."
        )


# ---------------------------------------------------------------- reading
def get_org(slug):
    return db.session.scalar(sa.select(Organisation).where(Organisation.slug == normalise(slug)))


def membership(org, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.scalar(sa.select(Membership).where(Membership.org_id == org.id, Membership.user_id == user.id))


def memberships_of(user):
    query = sa.select(Membership).join(Organisation).where(Membership.user_id == user.id)
    return db.session.scalars(query.order_by(Organisation.name)).all()


def owners(org):
    return [m for m in org.memberships if m.role == OWNER]


def pending_invitations(org, now=None):
    now = now or utcnow()
    return [i for i in org.invitations if i.expires_at > now]


def seats_taken(org):
    """Members plus invitations still open: each holds a seat until it is used or withdrawn."""
    return len(org.memberships) + len(pending_invitations(org))


# ---------------------------------------------------------------- creating
def check_slug(slug):
    slug = normalise(slug)
    if len(slug) > SLUG_MAX:
        raise OrgError(f"Use at most {SLUG_MAX} characters for the address.")
    try:
        check_room_name(slug)
    except InvalidRoomName as error:
        raise OrgError(str(error).replace("Room names", "Addresses").replace("room name", "address")) from None
    if slug in SLUG_RESERVED or get_org(slug) is not None:
        raise SlugTaken()
    return slug


def create_org(owner, name, slug, seats=1, billed=True):
    """A new organisation with ``owner`` as its owner; ``billed`` ties its seats to their subscription."""
    slug = check_slug(slug)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise OrgError("Give the organisation a name of 1 to 100 characters.")
    if seats < 1:
        raise OrgError("An organisation needs at least one seat, for its owner.")
    org = Organisation(slug=slug, name=name, seats=seats, billed_user_id=owner.id if billed else None)
    db.session.add(org)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise SlugTaken() from None
    db.session.add(Membership(org_id=org.id, user_id=owner.id, role=OWNER))
    audit.record(org, owner if billed else None, "created", subject=owner, detail=f"{name} ({slug})")
    db.session.flush()
    return org


# ---------------------------------------------------------------- invitations
def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="parlor-org-invitation")


def _digest(nonce):
    return hashlib.sha256(nonce.encode()).hexdigest()


def _new_link(invitation):
    """Give the invitation a fresh nonce and expiry; returns the token for its link (earlier ones die)."""
    nonce = secrets.token_urlsafe(24)
    invitation.nonce_digest = _digest(nonce)
    invitation.expires_at = utcnow() + timedelta(days=INVITATION_DAYS)
    db.session.flush()
    return _serializer().dumps({"i": invitation.id, "n": nonce})


def require_manager(actor):
    if actor is None or not actor.manages:
        raise NotAllowed("Only owners and admins can do that.")


def invite(org, actor, email, role=MEMBER):
    """Invite ``email``; returns (invitation, token). Holds a seat until accepted or withdrawn."""
    require_manager(actor)
    email = (email or "").strip().lower()
    if role not in (ADMIN, MEMBER) or (role == ADMIN and actor.role != OWNER and actor.role != ADMIN):
        raise NotAllowed("That role cannot be given by invitation.")
    if any(m.user.email and m.user.email.lower() == email for m in org.memberships):
        raise OrgError(f"{email} is already a member.")
    existing = next((i for i in org.invitations if i.email == email), None)
    if existing is None and seats_taken(org) >= org.seats:
        raise SeatsFull(org.seats)
    invitation = existing or Invitation(org_id=org.id, email=email, nonce_digest="", expires_at=utcnow())
    invitation.role, invitation.invited_by_id = role, actor.user_id
    db.session.add(invitation)
    db.session.flush()
    token = _new_link(invitation)
    audit.record(org, actor.user, "invitation_resent" if existing else "invited", subject_email=email, detail=role)
    return invitation, token


def resend(org, actor, invitation_id):
    require_manager(actor)
    invitation = _invitation_in(org, invitation_id)
    token = _new_link(invitation)
    audit.record(org, actor.user, "invitation_resent", subject_email=invitation.email)
    return invitation, token


def revoke(org, actor, invitation_id):
    require_manager(actor)
    invitation = _invitation_in(org, invitation_id)
    audit.record(org, actor.user, "invitation_revoked", subject_email=invitation.email)
    db.session.delete(invitation)
    db.session.flush()


def _invitation_in(org, invitation_id):
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.org_id != org.id:
        raise OrgError("That invitation no longer exists.")
    return invitation


def read_invitation(token, now=None):
    """The open invitation a link names, or InvitationInvalid (forged, used, replaced or expired)."""
    try:
        data = _serializer().loads(token or "")
    except BadSignature:
        raise InvitationInvalid() from None
    if not isinstance(data, dict) or not isinstance(data.get("i"), int) or not isinstance(data.get("n"), str):
        raise InvitationInvalid()
    invitation = db.session.get(Invitation, data["i"])
    if invitation is None or not hmac.compare_digest(invitation.nonce_digest, _digest(data["n"])):
        raise InvitationInvalid()
    if invitation.expires_at <= (now or utcnow()):
        raise InvitationInvalid()
    return invitation


def accept(token, user):
    """``user`` joins through the link; the invitation is used up."""
    invitation = read_invitation(token)
    if not user.email or user.email.lower() != invitation.email:
        raise OrgError(
            f"This invitation is for {invitation.email}. Sign in with that address to accept it, "
            "or ask for an invitation to the address you use."
        )
    org = invitation.org
    if membership(org, user) is None:
        db.session.add(Membership(org_id=org.id, user_id=user.id, role=invitation.role))
        audit.record(org, user, "joined", subject=user, detail=invitation.role)
    db.session.delete(invitation)
    db.session.flush()
    return org


# ---------------------------------------------------------------- members
def _member_in(org, membership_id):
    target = db.session.get(Membership, membership_id)
    if target is None or target.org_id != org.id:
        raise OrgError("That person is not a member.")
    return target


def _check_can_manage(actor, target):
    require_manager(actor)
    if target.role == OWNER and actor.role != OWNER:
        raise NotAllowed("Only an owner can change another owner.")


def remove(org, actor, membership_id):
    """An admin removes someone, or a member leaves (``membership_id`` is their own)."""
    target = _member_in(org, membership_id)
    leaving = target.id == actor.id
    if not leaving:
        _check_can_manage(actor, target)
    if target.role == OWNER and len(owners(org)) == 1:
        raise LastOwner()
    user = target.user
    db.session.delete(target)
    db.session.flush()
    db.session.expire(org, ["memberships"])
    audit.record(org, actor.user, "left" if leaving else "removed", subject=None if leaving else user)
    follow_owner(org)
    return user


def change_role(org, actor, membership_id, role):
    target = _member_in(org, membership_id)
    if role not in ROLES:
        raise OrgError("Choose owner, admin or member.")
    _check_can_manage(actor, target)
    if role == OWNER and actor.role != OWNER:
        raise NotAllowed("Only an owner can make someone owner.")
    if target.role == OWNER and role != OWNER and len(owners(org)) == 1:
        raise LastOwner()
    old, target.role = target.role, role
    db.session.flush()
    audit.record(org, actor.user, "role_changed", subject=target.user, detail=f"{old} to {role}")
    follow_owner(org)


def transfer_ownership(org, actor, membership_id):
    """The owner hands the organisation to another member and stays on as an admin."""
    if actor.role != OWNER:
        raise NotAllowed("Only an owner can hand over ownership.")
    target = _member_in(org, membership_id)
    if target.id == actor.id:
        raise OrgError("You already own it.")
    target.role, actor.role = OWNER, ADMIN
    db.session.flush()
    audit.record(org, actor.user, "ownership_transferred", subject=target.user)
    follow_owner(org)


def set_usage_analytics(org, actor, consented):
    """The organisation's choice: usage counts for its admins, or none collected for it at all."""
    require_manager(actor)
    if bool(consented) != org.usage_analytics:
        org.usage_analytics = bool(consented)
        audit.record(org, actor.user, "analytics_changed", detail="on" if consented else "off")


def principal_owner(org):
    """The owner team rooms are filed under: the one who pays, else the longest-standing owner."""
    standing = sorted(owners(org), key=lambda m: (m.user_id != org.billed_user_id, m.joined_at, m.id))
    return standing[0].user if standing else None


def follow_owner(org):
    """Team rooms belong to the organisation; their ``owner_id`` follows its principal owner."""
    owner = principal_owner(org)
    if owner is not None:
        db.session.execute(sa.update(Room).where(Room.org_id == org.id).values(owner_id=owner.id))


def is_member(room, user_id):
    """The host rule for team rooms: any member of the room's organisation hosts it."""
    if room.org_id is None or user_id is None:
        return False
    query = sa.select(sa.func.count()).select_from(Membership)
    return db.session.scalar(query.where(Membership.org_id == room.org_id, Membership.user_id == user_id)) > 0


def find_user(email):
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == (email or "").strip().lower()))
