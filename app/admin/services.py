"""What staff can do from the console. Each function flushes and writes its audit row; views commit."""

import sqlalchemy as sa
from flask import current_app

from ..auth.models import User, UserSession
from ..auth.sessions import end_all_sessions
from ..extensions import db
from ..mail import send_email
from ..nodes import services as nodes
from ..nodes.models import RoomAssignment
from ..privacy.erasure import erase_account_and_commit
from ..privacy.models import RetentionRun
from ..rooms import services as rooms
from ..rooms.models import Room
from ..site.models import ContactRequest
from ..support.models import SupportTicket
from ..support.services import close_ticket
from ..timeutil import utcnow
from . import audit
from .devices import forget_devices

PAGE = 100


class StaffActionRefused(Exception):
    """The action cannot be done; the message says why, for the staff member."""


# ---------------------------------------------------------------- users
def search_users(query):
    """Accounts whose email or phone contains ``query`` (all, newest first, without one)."""
    statement = sa.select(User).order_by(User.id.desc()).limit(PAGE)
    if query:
        pattern = f"%{query.strip().lower()}%"
        statement = statement.where(sa.or_(sa.func.lower(User.email).like(pattern), User.phone.like(pattern)))
    return db.session.scalars(statement).all()


def session_counts(users):
    ids = [user.id for user in users]
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(UserSession.user_id, sa.func.count())
        .where(UserSession.user_id.in_(ids), UserSession.expires_at >= utcnow())
        .group_by(UserSession.user_id)
    )
    return dict(rows.all())


def disable_user(staff, user):
    """Refuse further sign-ins and end every session (and staff device) of ``user``; return sessions ended."""
    if user.id == staff.id:
        raise StaffActionRefused("You cannot disable your own account.")
    if user.is_disabled:
        return 0
    user.disabled_at = utcnow()
    ended = end_all_sessions(user)
    forget_devices(user)
    audit.record(staff, "user_disabled", "user", user.id, f"{ended} sessions ended")
    return ended


def enable_user(staff, user):
    if user.is_disabled:
        user.disabled_at = None
        audit.record(staff, "user_enabled", "user", user.id)


def erase_user_and_commit(staff, user, typed_contact):
    """Erase an account at its owner's request (made to us by email or letter); return its address.

    Staff type the account's address to confirm; staff accounts lose their flag first. The
    audit row goes in the same commit as the erasure (ErasureRefused leaves both undone).
    """
    if (typed_contact or "").strip().lower() != (user.contact or "").lower():
        raise StaffActionRefused("Type the account's email address or phone number exactly to confirm.")
    if user.is_staff:
        raise StaffActionRefused("Staff accounts cannot be erased here: remove the staff flag first.")
    audit.record(staff, "user_erased", "user", user.id, "at the owner's request")
    return erase_account_and_commit(user)


# ---------------------------------------------------------------- rooms and meetings
def search_rooms(query):
    statement = sa.select(Room).order_by(Room.id.desc()).limit(PAGE)
    if query:
        statement = statement.where(Room.name.like(f"%{query.strip().lower()}%"))
    return db.session.scalars(statement).all()


def set_room_locked(staff, room, locked):
    rooms.set_locked(room, locked)
    audit.record(staff, "room_locked" if locked else "room_unlocked", "room", room.id)


def delete_room(staff, room):
    audit.record(staff, "room_deleted", "room", room.id)
    rooms.delete_room(room)


def meetings_now():
    """Rooms with people in them now: room number, mode, head count and node. No names, no content."""
    occupancy = current_app.extensions["parlor_presence"].occupancy()
    if not occupancy:
        return []
    ids = [room_id for room_id in occupancy if isinstance(room_id, int)]
    found = {room.id: room for room in db.session.scalars(sa.select(Room).where(Room.id.in_(ids)))}
    placed = dict(
        db.session.execute(
            sa.select(RoomAssignment.room_id, RoomAssignment.node_id).where(RoomAssignment.room_id.in_(ids))
        ).all()
    )
    return [
        {
            "room_id": room_id,
            "mode": rooms.meeting_mode(found[room_id]) if room_id in found else "",
            "people": people,
            "node": placed.get(room_id, ""),
        }
        for room_id, people in sorted(occupancy.items(), key=lambda item: -item[1])
    ]


# ---------------------------------------------------------------- nodes
def drain_node(staff, node):
    nodes.drain(node)
    audit.record(staff, "node_drained", "node", node.id)


def forget_node(staff, node):
    audit.record(staff, "node_forgotten", "node", node.id)
    nodes.forget(node)


# ---------------------------------------------------------------- support and sales
def tickets(status=None):
    statement = sa.select(SupportTicket).order_by(SupportTicket.id.desc()).limit(PAGE)
    if status:
        statement = statement.where(SupportTicket.status == status)
    return db.session.scalars(statement).all()


def reply_to_ticket(staff, ticket, message):
    """Email ``message`` to the ticket's address (not stored: the email is the record); MailError if refused."""
    send_email(
        ticket.email,
        f"Re: [ticket #{ticket.id}] {ticket.subject}",
        "support_reply",
        headers={"Reply-To": current_app.config["SUPPORT_EMAIL"]},
        ticket=ticket,
        message=message,
    )
    ticket.replied_at = utcnow()
    audit.record(staff, "ticket_replied", "ticket", ticket.id)


def close_support_ticket(staff, ticket):
    """Close it, which starts its retention clock (``closed support tickets`` in `flask purge`)."""
    _, closed_now = close_ticket(ticket.id)
    if closed_now:
        audit.record(staff, "ticket_closed", "ticket", ticket.id)
    return closed_now


def enquiries():
    return db.session.scalars(sa.select(ContactRequest).order_by(ContactRequest.id.desc()).limit(PAGE)).all()


def retention_runs():
    return db.session.scalars(sa.select(RetentionRun).order_by(RetentionRun.id.desc()).limit(PAGE)).all()
