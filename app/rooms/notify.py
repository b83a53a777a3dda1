"""Telling an absent owner that someone knocked, if they asked for activity notifications."""

import time

from flask import current_app

from ..account.consents import ACTIVITY, has_consent
from ..mail import external_url, try_send_email

KNOCK_NOTICE_INTERVAL = 600  # seconds: one email per room per ten minutes at most


def notify_absent_owner(room, name):
    """Email the owner about a knock while they are away, if they asked for activity notifications."""
    now = time.time()
    last_notice = current_app.extensions.setdefault("parlor_knock_notices", {})
    if now - last_notice.get(room.id, 0) < KNOCK_NOTICE_INTERVAL or not room.owner.email:
        return
    if not has_consent(room.owner, ACTIVITY):
        return
    last_notice[room.id] = now
    try_send_email(
        room.owner.email,
        f"{name} knocked on {room.name}",
        "activity_knock",
        name=name,
        room=room.name,
        link=external_url("rooms.lobby", room_name=room.name),
    )
