"""The shapes ``/v1`` accepts and answers with. The endpoints validate with these models and
``openapi.py`` builds the published description from them, so the two cannot disagree.

Models are strict: ``"true"`` is not a boolean and ``"5"`` is not a number, as the JSON Schema says.
"""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

ROOM_NAME_PREFIX = r"^[a-z0-9](?:[a-z0-9-]{0,23}[a-z0-9])?$"
MeetingField = Literal["hostRoomUrl", "viewerRoomUrl"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class MeetingCreate(Strict):
    """What ``POST /v1/meetings`` accepts."""

    endDate: datetime = Field(
        description="When the meeting ends (ISO 8601; UTC when no offset is given). In the future, at most a "
        "year ahead. Nobody can join after it, and the room is deleted soon after."
    )
    isLocked: bool = Field(False, description="Visitors knock and wait until a host lets them in.")
    roomNamePrefix: Annotated[str, Field(pattern=ROOM_NAME_PREFIX, max_length=25)] | None = Field(
        None,
        description="Starts the room name: lowercase letters, digits and hyphens. At most 7 characters with "
        "the uuid pattern and 25 with human-short, so the whole name fits in 40.",
    )
    roomNamePattern: Literal["uuid", "human-short"] = Field(
        "uuid", description="uuid: 32 hexadecimal characters. human-short: three groups of four letters and digits."
    )
    roomMode: Literal["normal", "group"] = Field(
        "normal",
        description="normal: your plan's default room mode (peer-to-peer while small, then through our video "
        "router). group: always through our video router.",
    )
    fields: list[MeetingField] = Field(
        default_factory=list, max_length=2, description="Extra fields to return: hostRoomUrl, viewerRoomUrl."
    )


class MeetingOut(BaseModel):
    """A meeting, as every ``/v1/meetings`` answer shows it."""

    meetingId: str = Field(description="The meeting's id in this API.")
    roomName: str = Field(description="The room's path, starting with a slash.")
    roomUrl: str = Field(description="The link for guests.")
    startDate: datetime = Field(description="When the meeting was created.")
    endDate: datetime = Field(description="When the meeting ends.")
    hostRoomUrl: str | None = Field(
        None, description="The room's host link: whoever opens it hosts. Only when asked for in fields."
    )
    viewerRoomUrl: str | None = Field(
        None,
        description="Parlor has no view-only participants: this is the guest link. Only when asked for in fields.",
    )


class MeetingList(BaseModel):
    """One page of meetings, newest first."""

    results: list[MeetingOut]
    cursor: str | None = Field(description="Pass as ?cursor= for the next page; null on the last page.")


class ErrorDetail(BaseModel):
    code: str = Field(description="A stable, machine-readable reason, e.g. invalid_field or not_found.")
    message: str = Field(description="What went wrong, in words for the developer.")
    field: str | None = Field(description="The request field (or header or parameter) at fault, if one is.")


class ErrorOut(BaseModel):
    error: ErrorDetail


class ListQuery(Strict):
    """``GET /v1/meetings`` query parameters (strings in the URL, hence not strict about numbers)."""

    model_config = ConfigDict(extra="forbid", strict=False)

    limit: int = Field(50, ge=1, le=100, description="At most this many meetings.")
    cursor: Annotated[str, Field(pattern=r"^[0-9]{1,18}$")] | None = Field(
        None, description="The previous page's cursor, as it was given: the next page starts after it."
    )
