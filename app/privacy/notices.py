"""Policy change notices: announced by email ahead of time, acknowledged on the site."""

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..auth.models import User
from ..extensions import db
from ..mail import MailError, external_url, send_email
from ..site import legal
from ..sms import SmsError, send_sms
from ..timeutil import utcnow
from .models import PolicyAcknowledgement, PolicyAnnouncement


class AnnouncementRefused(Exception):
    """The version cannot be announced; the message says why."""


def announce_and_commit(document, number):
    """Email every user about a material change, at most once per version. Returns recipients."""
    version = legal.get_version(document, number)
    if version is None:
        raise AnnouncementRefused(f"There is no version {number} of {document}.")
    if not version.material:
        raise AnnouncementRefused(f"{version.version_id} is not marked as a material change; nothing to announce.")
    notice = timedelta(days=current_app.config["POLICY_NOTICE_DAYS"])
    today = utcnow().date()
    if version.effective - today < notice:
        raise AnnouncementRefused(
            f"{version.version_id} takes effect on {version.effective}: announcements must go out at least "
            f"{notice.days} days before, so that date must be {today + notice} or later."
        )
    record = PolicyAnnouncement(document=document, version=number, effective_on=version.effective)
    db.session.add(record)
    try:
        db.session.flush()
    except sa.exc.IntegrityError:
        db.session.rollback()
        raise AnnouncementRefused(f"{version.version_id} was already announced.") from None
    db.session.commit()  # claim the announcement first: a crash mid-way must not send it twice
    sent = 0
    link = external_url("site.legal_version", slug=document, number=number)
    for user in db.session.scalars(sa.select(User).order_by(User.id)):
        try:
            if user.email:
                send_email(
                    user.email,
                    f"Changes to our {version.title.lower()} on {version.effective:%-d %B %Y}",
                    "policy_notice",
                    version=version,
                    link=link,
                )
            else:
                send_sms(
                    user.phone,
                    f"Parlor's {version.title.lower()} changes on {version.effective}: "
                    f"{version.summary} Read it: {link}",
                )
            sent += 1
        except (MailError, SmsError):
            current_app.logger.warning("policy notice not delivered to user %s", user.id)
    record.recipients = sent
    db.session.commit()
    return sent


def pending_notices(user):
    """Announced versions this person has not acknowledged yet, newest first."""
    acknowledged = sa.select(PolicyAcknowledgement.id).where(
        PolicyAcknowledgement.user_id == user.id,
        PolicyAcknowledgement.document == PolicyAnnouncement.document,
        PolicyAcknowledgement.version == PolicyAnnouncement.version,
    )
    announcements = db.session.scalars(
        sa.select(PolicyAnnouncement).where(~sa.exists(acknowledged)).order_by(PolicyAnnouncement.id.desc())
    ).all()
    return [
        (a, legal.get_version(a.document, a.version)) for a in announcements if legal.get_version(a.document, a.version)
    ]


def acknowledge(user, document, number):
    exists = db.session.scalar(
        sa.select(PolicyAnnouncement.id).where(
            PolicyAnnouncement.document == document, PolicyAnnouncement.version == number
        )
    )
    if exists is None:
        return False
    already = db.session.scalar(
        sa.select(PolicyAcknowledgement.id).where(
            PolicyAcknowledgement.user_id == user.id,
            PolicyAcknowledgement.document == document,
            PolicyAcknowledgement.version == number,
        )
    )
    if already is None:
        db.session.add(PolicyAcknowledgement(user_id=user.id, document=document, version=number))
    return True
