"""Room rules: who may claim, change and use a room, and how big its meetings are."""

import sqlalchemy as sa

from ..extensions import db
from ..plans import LARGE, LARGE_MEETING_LIMIT, SMALL, SMALL_MEETING_LIMIT, get_plan
from .models import GROUP, Room, new_room_key
from .names import check_room_name, normalise


class RoomError(Exception):
    """A room action that cannot happen; the message is meant for people."""


class RoomNameTaken(RoomError):
    def __init__(self):
        super().__init__("That room name is already taken. Try another.")


class RoomLimitReached(RoomError):
    def __init__(self, plan):
        rooms = f"{plan.max_rooms} room" + ("s" if plan.max_rooms != 1 else "")
        super().__init__(f"Your {plan.name} plan includes {rooms}. Delete one or upgrade to claim another.")


class RoomReadOnly(RoomError):
    def __init__(self):
        super().__init__("This room is read-only because it is beyond your plan's room limit.")


def get_room(name):
    return db.session.scalar(sa.select(Room).where(Room.name == normalise(name)))


def rooms_of(user):
    return db.session.scalars(sa.select(Room).where(Room.owner_id == user.id).order_by(Room.created_at, Room.id)).all()


def name_is_free(name):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Room).where(Room.name == name)) == 0


def validate_new_name(name):
    name = normalise(name)
    check_room_name(name)
    if not name_is_free(name):
        raise RoomNameTaken()
    return name


def claim_room(owner, name, mode=None):
    """Claim ``name`` for ``owner`` within their plan's room limit."""
    name = validate_new_name(name)
    plan = get_plan(owner.plan)
    if len(rooms_of(owner)) >= plan.max_rooms:
        raise RoomLimitReached(plan)
    room = Room(name=name, owner=owner, mode=mode or "normal")
    db.session.add(room)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        # Someone claimed it between our check and the insert.
        db.session.rollback()
        raise RoomNameTaken() from None
    return room


def rename_room(room, new_name):
    if is_read_only(room):
        raise RoomReadOnly()
    new_name = normalise(new_name)
    if new_name == room.name:
        return room
    room.name = validate_new_name(new_name)
    return room


def delete_room(room):
    db.session.delete(room)


def regenerate_host_key(room):
    """A new host link; the old one stops working at once, even in tickets already issued."""
    room.host_key = new_room_key()


def set_locked(room, locked):
    room.locked = bool(locked)


def is_read_only(room):
    """Rooms beyond the owner's current plan limit are kept but cannot hold meetings."""
    plan = get_plan(room.owner.plan)
    active = [r.id for r in rooms_of(room.owner)[: plan.max_rooms]]
    return room.id not in active


def meeting_mode(room):
    if room.mode == GROUP or get_plan(room.owner.plan).large_meetings:
        return LARGE
    return SMALL


def capacity(room):
    return LARGE_MEETING_LIMIT if meeting_mode(room) == LARGE else SMALL_MEETING_LIMIT
