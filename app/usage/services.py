"""Recording product analytics, only where the person has agreed to it."""

from flask import request

from ..account.consents import ANALYTICS, has_consent, visitor_choice
from ..extensions import db
from ..geo import country_of
from ..orgs.models import Organisation
from .device import describe
from .models import UsageEvent


def analytics_allowed(user=None):
    if user is not None and getattr(user, "is_authenticated", False):
        return has_consent(user, ANALYTICS)
    return visitor_choice() == ANALYTICS


def track(kind, user=None, room=None, path=None):
    """Record one event about the current request, if its visitor consented. Returns it or None."""
    if not analytics_allowed(user):
        return None
    event = UsageEvent(
        kind=kind,
        user_id=user.id if user is not None and getattr(user, "is_authenticated", False) else None,
        room_id=room.id if room is not None else None,
        path=(path or request.path)[:200],
        country=country_of(request.remote_addr),
        **describe(request.user_agent.string),
    )
    db.session.add(event)
    return event


def track_meeting(kind, room, duration_seconds=None, peak_participants=None):
    """Meeting start and end belong to the room's owner; recorded with the owner's consent only.

    A team room's meetings belong to its organisation instead: recorded, tied to no person, only
    while the organisation agrees to usage analytics (its admins see the counts). Nothing about
    the participants is kept: no names, no devices, no addresses.
    """
    if room.org_id is not None:
        org = db.session.get(Organisation, room.org_id)
        if org is None or not org.usage_analytics:
            return None
    elif not has_consent(room.owner, ANALYTICS):
        return None
    event = UsageEvent(
        kind=kind,
        user_id=room.owner_id if room.org_id is None else None,
        room_id=room.id,
        duration_seconds=duration_seconds,
        peak_participants=peak_participants,
    )
    db.session.add(event)
    return event
