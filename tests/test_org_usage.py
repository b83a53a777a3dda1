"""Usage for an organisation's admins: meetings and minutes per team room per week, only with its consent."""

import sqlalchemy as sa

from app.extensions import db
from app.orgs.models import Organisation
from app.rooms.models import Room
from app.usage import track_meeting
from app.usage.models import UsageEvent

from .support.orgs import post


def end_meeting(app, name, seconds):
    with app.app_context():
        room = db.session.scalar(sa.select(Room).where(Room.name == name))
        track_meeting("meeting_ended", room, duration_seconds=seconds, peak_participants=3)
        db.session.commit()


def consent(app, on):
    with app.app_context():
        db.session.execute(sa.update(Organisation).values(usage_analytics=on))
        db.session.commit()


def test_nothing_is_counted_without_the_organisations_consent(app, acme, sign_in):
    """Without the organisation's consent, is no event recorded for its team rooms and the page says so?"""
    admin = sign_in("admin@example.com")
    post(admin, "/org/acme/rooms", "/org/acme/rooms", name="standup")
    end_meeting(app, "acme-standup", 600)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(UsageEvent)) == 0
    assert 'id="usage-off"' in admin.get("/org/acme/usage").get_data(as_text=True)


def test_admins_see_counts_per_room_and_week(app, acme, sign_in):
    """With consent, do admins see meetings and minutes per room, with no participant and no person attached?"""
    admin = sign_in("admin@example.com")
    post(admin, "/org/acme/rooms", "/org/acme/rooms", name="standup")
    consent(app, True)
    end_meeting(app, "acme-standup", 600)
    end_meeting(app, "acme-standup", 1200)
    with app.app_context():
        assert db.session.scalars(sa.select(UsageEvent.user_id)).all() == [None, None]
    html = admin.get("/org/acme/usage").get_data(as_text=True)
    assert "<td>acme-standup</td><td>2</td><td>30</td>" in html
    assert sign_in("member@example.com").get("/org/acme/usage").status_code == 403
