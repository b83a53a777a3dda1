"""Team rooms: rooms that belong to an organisation, at ``/<org-slug>-<room>``."""

import sqlalchemy as sa

from ..extensions import db
from ..plans import get_plan
from ..rooms.models import Room
from ..rooms.names import normalise
from ..rooms.services import RoomNameTaken, validate_new_name
from . import audit
from .services import OrgError, principal_owner, require_manager


def team_rooms(org):
    return db.session.scalars(sa.select(Room).where(Room.org_id == org.id).order_by(Room.name)).all()


def full_name(org, name):
    return f"{org.slug}-{normalise(name)}"


def create_team_room(org, actor, name, members_only=False):
    require_manager(actor)
    if not normalise(name):
        raise OrgError("Choose a room name.")
    try:
        full = validate_new_name(full_name(org, name))
    except (ValueError, RoomNameTaken) as error:
        raise OrgError(str(error)) from None
    room = Room(
        name=full,
        owner_id=principal_owner(org).id,
        org_id=org.id,
        mode=get_plan("business").default_room_mode,
        members_only=bool(members_only),
    )
    db.session.add(room)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise OrgError(str(RoomNameTaken())) from None
    audit.record(org, actor.user, "room_created", detail=full + (" (members only)" if members_only else ""))
    return room


def delete_team_room(org, actor, room_id):
    require_manager(actor)
    room = db.session.get(Room, room_id)
    if room is None or room.org_id != org.id:
        raise OrgError("That room is not one of the organisation's.")
    audit.record(org, actor.user, "room_deleted", detail=room.name)
    db.session.delete(room)
    db.session.flush()
