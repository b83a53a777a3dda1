"""Meetings made through the API: a room with an end date, owned by the key's account.

Every lookup goes through ``meeting_of``, which only ever finds the account's own meetings, so
a key cannot learn whether another account's meeting exists (it gets the same 404 as for none).
"""

import secrets
import uuid
from datetime import UTC, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..mail import external_url
from ..plans import LARGE, get_plan
from ..rooms import services as rooms
from ..rooms.models import Room
from ..rooms.names import IMPERSONATION, InvalidRoomName, is_prohibited
from ..timeutil import utcnow
from .errors import ApiError
from .models import Meeting

MAX_AHEAD = timedelta(days=365)
NAME_ATTEMPTS = 5
MAX_NAME_LENGTH = 40  # app.rooms.names.check_room_name
# No vowels: random groups cannot spell words, rude or otherwise.
HUMAN_ALPHABET = "bcdfghjkmnpqrstvwxz23456789"


def utc_naive(moment):
    """Naive UTC, as the database keeps times; a time without an offset is taken as UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)


def check_end_date(end):
    now = utcnow()
    if end <= now:
        raise ApiError(422, "endDate must be in the future.", "endDate")
    if end > now + MAX_AHEAD:
        raise ApiError(422, "endDate can be at most a year ahead.", "endDate")


def random_part(pattern):
    if pattern == "human-short":
        return "-".join("".join(secrets.choice(HUMAN_ALPHABET) for _ in range(4)) for _ in range(3))
    return uuid.uuid4().hex


def room_mode(owner, requested):
    plan = get_plan(owner.plan)
    if requested == "group":
        if not plan.large_meetings:
            raise ApiError(422, f"The {plan.name} plan holds small meetings only.", "roomMode")
        return LARGE
    return plan.default_room_mode  # "normal" follows Parlor's room-mode rules for the plan


def check_prefix(prefix, pattern):
    """Refuse a prefix no name can be made with: too long for the pattern, or rude or official-looking."""
    if len(prefix) + 1 + len(random_part(pattern)) > MAX_NAME_LENGTH:
        raise ApiError(422, "roomNamePrefix is too long for that roomNamePattern.", "roomNamePrefix")
    if is_prohibited(prefix) or IMPERSONATION.search(prefix):
        raise ApiError(422, "roomNamePrefix uses words room names may not use.", "roomNamePrefix")


def new_room_name(prefix, pattern):
    """A free, valid room name. A clash or a random part that happens to spell something is drawn again."""
    if prefix:
        check_prefix(prefix, pattern)
    for _ in range(NAME_ATTEMPTS):
        name = f"{prefix}-{random_part(pattern)}" if prefix else random_part(pattern)
        try:
            return rooms.validate_new_name(name)
        except (InvalidRoomName, rooms.RoomNameTaken):
            continue
    raise ApiError(409, "Could not find a free room name. Try again.", code="room_name_unavailable")


def create_meeting(api_key, request):
    """A new meeting for the key's account from a validated ``MeetingCreate``."""
    end = utc_naive(request.endDate)
    check_end_date(end)
    owner = api_key.owner
    room = Room(
        name=new_room_name(request.roomNamePrefix, request.roomNamePattern),
        owner=owner,
        mode=room_mode(owner, request.roomMode),
        locked=request.isLocked,
        ends_at=end,
    )
    meeting = Meeting(room=room, owner_id=owner.id, api_key_id=api_key.id, created_at=utcnow())
    db.session.add_all([room, meeting])
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()  # the name went between our check and the insert
        message = "The room name was taken at the same moment. Try again."
        raise ApiError(409, message, code="room_name_unavailable") from None
    return meeting


def meeting_of(owner_id, public_id):
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.public_id == public_id, Meeting.owner_id == owner_id))
    if meeting is None:
        raise ApiError(404, "There is no meeting with that id.", "meetingId")
    return meeting


def delete_meeting(meeting):
    db.session.delete(meeting.room)  # the meeting row goes with its room (ON DELETE CASCADE)
    db.session.delete(meeting)


def encode_cursor(meeting):
    """Where the next page starts: meetings made before this one (ids only grow)."""
    return str(meeting.id)


def page_of(owner_id, limit, cursor=None):
    """(meetings newest first, the cursor for the next page or None)."""
    query = sa.select(Meeting).where(Meeting.owner_id == owner_id).order_by(Meeting.id.desc()).limit(limit + 1)
    if cursor:
        query = query.where(Meeting.id < int(cursor))
    found = db.session.scalars(query).all()
    more = len(found) > limit
    found = found[:limit]
    return found, encode_cursor(found[-1]) if more else None


def describe(meeting, fields=()):
    """The API's view of a meeting (``MeetingOut``'s fields)."""
    room = meeting.room
    room_url = external_url("rooms.lobby", room_name=room.name)
    out = {
        "meetingId": meeting.public_id,
        "roomName": f"/{room.name}",
        "roomUrl": room_url,
        "startDate": meeting.created_at.replace(microsecond=0, tzinfo=UTC),
        "endDate": room.ends_at.replace(tzinfo=UTC),
    }
    if "hostRoomUrl" in fields:
        out["hostRoomUrl"] = external_url("rooms.lobby", room_name=room.name, host=room.host_key)
    if "viewerRoomUrl" in fields:
        out["viewerRoomUrl"] = room_url
    return out
