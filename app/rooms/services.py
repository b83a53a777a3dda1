"""Room rules: who may claim, change and use a room, and how big its meetings are."""

import sqlalchemy as sa

from ..extensions import db
from ..plans import AUTO, LARGE_MEETING_LIMIT, MODES, SMALL, SMALL_MEETING_LIMIT, get_plan
from ..timeutil import utcnow
from .models import Room, new_room_key
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


class ModeNotInPlan(RoomError):
    def __init__(self, plan):
        super().__init__(f"Your {plan.name} plan holds small meetings only. Upgrade for large and automatic rooms.")


class RoomReadOnly(RoomError):
    def __init__(self):
        super().__init__("This room is read-only because it is beyond your plan's room limit.")


def get_room(name):
    return db.session.scalar(sa.select(Room).where(Room.name == normalise(name)))


def rooms_of(user):
    """A person's own claimed rooms: not team rooms (their organisation's), not API meetings (they end)."""
    query = sa.select(Room).where(Room.owner_id == user.id, Room.org_id.is_(None), Room.ends_at.is_(None))
    return db.session.scalars(query.order_by(Room.created_at, Room.id)).all()


def name_is_free(name):
    return db.session.scalar(sa.select(sa.func.count()).select_from(Room).where(Room.name == name)) == 0


def validate_new_name(name):
    name = normalise(name)
    check_room_name(name)
    if not name_is_free(name):
        raise RoomNameTaken()
    return name


def claim_room(owner, name, mode=None):
    """Claim ``name`` for ``owner`` within their plan's room limit.

    ``mode`` is the operators' choice (any plan); without it the room gets the plan's default.
    """
    name = validate_new_name(name)
    plan = get_plan(owner.plan)
    if len(rooms_of(owner)) >= plan.max_rooms:
        raise RoomLimitReached(plan)
    if mode is not None and mode not in MODES:
        raise ValueError(f"unknown room mode {mode!r}")
    room = Room(name=name, owner=owner, mode=mode or plan.default_room_mode)
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


def set_apps(room, allowed):
    """The owner's word on apps in their meetings, which from now on outweighs the plan's default."""
    room.apps = bool(allowed)


def is_read_only(room):
    """Rooms beyond the owner's current plan limit are kept but cannot hold meetings."""
    if room.ends_at is not None:  # an API meeting: its end date limits it instead
        return False
    if room.org_id is not None:
        return False  # team rooms are the organisation's, outside any one person's limit
    plan = get_plan(room.owner.plan)
    active = [r.id for r in rooms_of(room.owner)[: plan.max_rooms]]
    return room.id not in active


def has_ended(room):
    """An API meeting past its end date: nobody joins any more, and ``flask purge`` deletes it."""
    return room.has_ended(utcnow())


def set_mode(room, mode):
    """The owner's choice of mode, within their plan (operators use ``claim_room``'s ``mode``)."""
    plan = get_plan(room.plan_key)
    if mode not in plan.room_modes:
        raise ModeNotInPlan(plan)
    room.mode = mode


def follow_plan_change(owner, old_plan_key):
    """An upgrade to large meetings turns the owner's small rooms into the new plan's default.

    On Free every room is small because it must be, not by choice; without this, upgrading
    would leave the room the owner paid to make bigger exactly as it was. Going back down
    needs nothing: ``meeting_mode`` already holds auto rooms to small on a plan without them.
    """
    old, new = get_plan(old_plan_key), get_plan(owner.plan)
    if new.large_meetings and not old.large_meetings:
        for room in rooms_of(owner):
            if room.mode == SMALL:
                room.mode = new.default_room_mode


def meeting_mode(room):
    """The mode the room's meetings run in now.

    Auto needs a plan with large meetings, so an owner who went back to Free holds small
    meetings; large is kept whatever the plan, because operators may set it for anyone.
    """
    if room.mode == AUTO and not get_plan(room.plan_key).large_meetings:
        return SMALL
    return room.mode if room.mode in MODES else SMALL


def capacity(room):
    if meeting_mode(room) == SMALL:
        return SMALL_MEETING_LIMIT
    plan = get_plan(room.plan_key)
    # An operator's large room on a plan without large meetings still holds a large meeting.
    return plan.max_participants if plan.large_meetings else LARGE_MEETING_LIMIT
