"""Usage of team rooms for an organisation's admins: meetings and minutes per room per week, counts only.

Built from the meeting_ended events ``app.usage.track_meeting`` records for team rooms, which it
does only while the organisation has agreed to usage analytics; they name no participant and
are deleted with the other analytics events.
"""

from collections import defaultdict
from datetime import timedelta

import sqlalchemy as sa

from ..extensions import db
from ..rooms.models import Room
from ..timeutil import utcnow
from ..usage.models import UsageEvent

WEEKS = 8


def weekly(org, now=None):
    """[(week's Monday, room name, meetings, minutes)], newest week first."""
    since = (now or utcnow()) - timedelta(weeks=WEEKS)
    rows = db.session.execute(
        sa.select(Room.name, UsageEvent.created_at, UsageEvent.duration_seconds)
        .join(Room, Room.id == UsageEvent.room_id)
        .where(Room.org_id == org.id, UsageEvent.kind == "meeting_ended", UsageEvent.created_at >= since)
    ).all()
    totals = defaultdict(lambda: [0, 0])
    for name, at, seconds in rows:
        monday = (at - timedelta(days=at.weekday())).date()
        totals[(monday, name)][0] += 1
        totals[(monday, name)][1] += seconds or 0
    ordered = sorted(totals.items(), key=lambda item: (-item[0][0].toordinal(), item[0][1]))
    return [(monday, name, count, round(seconds / 60)) for (monday, name), (count, seconds) in ordered]
