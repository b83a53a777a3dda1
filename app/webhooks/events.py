"""The meeting events customers can receive, built from what the meeting service knows.

Payloads carry counts, roles and times, never who someone is: the only name ever sent is one
the embedding site itself put in the room URL (``displayName``), carried in the room ticket.
The meeting service calls these; they only write to the outbox, inside its transaction.
"""

from datetime import UTC, datetime

import sqlalchemy as sa

from ..api.models import Meeting as ApiMeeting
from ..extensions import db
from .services import enqueue


def meeting_id(room):
    """The API's meetingId for a meeting made through the API, else the room's random identity
    (stable for a room, never reused by a later room of the same name)."""
    public_id = db.session.scalar(sa.select(ApiMeeting.public_id).where(ApiMeeting.room_id == room.id))
    return public_id or room.key


def _iso(seconds):
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _room_data(room, participants):
    return {"roomName": room.name, "meetingId": meeting_id(room), "numClients": participants}


def _client_data(room, participant, participants):
    data = _room_data(room, participants)
    data["participantId"] = participant["id"]
    data["roleName"] = "host" if participant.get("host") else "guest"
    if participant.get("embed_name"):
        data["displayName"] = participant["embed_name"]
    return data


def client_joined(room, participant, participants):
    enqueue(room.owner_id, "room.client.joined", _client_data(room, participant, participants))


def client_left(room, participant, participants):
    enqueue(room.owner_id, "room.client.left", _client_data(room, participant, participants))


def knocked(room, knocker, participants):
    enqueue(room.owner_id, "room.knock", _client_data(room, dict(knocker, host=False), participants))


def meeting_started(room, started_at):
    enqueue(room.owner_id, "meeting.started", dict(_room_data(room, 1), startedAt=_iso(started_at)))


def meeting_ended(room, meeting, ended_at):
    data = _room_data(room, 0)
    data.update(
        startedAt=_iso(meeting["started_at"]),
        endedAt=_iso(ended_at),
        durationSeconds=max(0, int(ended_at - meeting["started_at"])),
        peakClients=meeting["peak"],
    )
    enqueue(room.owner_id, "meeting.ended", data)
