"""Telling an absent owner that someone knocked, if they asked for activity notifications."""

from ..account.consents import ACTIVITY, has_consent
from ..mail import external_url, try_send_email
from .connections import presence

KNOCK_NOTICE_INTERVAL = 600  # seconds: one email per room per ten minutes at most


def notify_absent_owner(room, name):
    """Email the owner about a knock while they are away, if they asked for activity notifications."""
    if not room.owner.email or not has_consent(room.owner, ACTIVITY):
        return
    # Shared by every worker (through Redis when there are several): one notice per interval.
    if not presence().claim_notice(f"knock:{room.id}", KNOCK_NOTICE_INTERVAL):
        return
    try_send_email(
        room.owner.email,
        f"{name} knocked on {room.name}",
        "activity_knock",
        name=name,
        room=room.name,
        link=external_url("rooms.lobby", room_name=room.name),
    )
