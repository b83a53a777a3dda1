"""Changes people make to their own account."""

import secrets

from flask import current_app

from ..auth.codes import CHANGE_CONTACT, CodeError, check_code, issue_code
from ..auth.identifiers import EMAIL, Identifier
from ..auth.services import deliver_code, find_user
from ..auth.sessions import record_event
from ..extensions import db
from ..mail import MailError, send_email
from ..privacy.contacts import remember_earlier_contact
from ..sms import SmsError, send_sms
from ..timeutil import utcnow
from .avatars import make_avatar


class ContactInUse(Exception):
    """The new address already belongs to another account."""


def set_display_name(user, name):
    user.display_name = name


def set_avatar(user, data):
    """Replace the picture with a cleaned thumbnail; raises InvalidPicture and changes nothing."""
    user.avatar_image = make_avatar(data)
    user.avatar_key = secrets.token_urlsafe(16)
    user.avatar_updated_at = utcnow()


def remove_avatar(user):
    user.avatar_image = None
    user.avatar_key = None
    user.avatar_updated_at = None


def start_contact_change(user, identifier):
    """Send a code to the new address; nothing changes until it comes back."""
    record, code = issue_code(identifier.value, CHANGE_CONTACT, user=user)
    db.session.commit()
    deliver_code(identifier, code, "confirm your new contact details")
    return record


def finish_contact_change(user, pending, code):
    """Check the code and switch to the new address, telling the old one."""
    record = check_code(pending["id"], code, CHANGE_CONTACT)
    if record.user_id != user.id:
        raise CodeError("That code has expired. Ask for a new one.")
    identifier = Identifier(pending["kind"], pending["identifier"])
    owner = find_user(identifier)
    if owner is not None and owner.id != user.id:
        raise ContactInUse()
    old = user.email if identifier.kind == EMAIL else user.phone
    remember_earlier_contact(user, old)
    if identifier.kind == EMAIL:
        user.email = identifier.value
    else:
        user.phone = identifier.value
    record_event(user, "contact_changed")
    notify_old_contact(user, old or user.contact, identifier)
    return identifier


def notify_old_contact(user, old, identifier):
    """A service message to the previous address, so a takeover does not go unnoticed."""
    what = "email address" if identifier.kind == EMAIL else "phone number"
    try:
        if "@" in old:
            send_email(
                old,
                f"Your Parlor {what} was changed",
                "contact_changed",
                user=user,
                what=what,
                new_value=identifier.masked,
                support_url=current_app.config.get("PUBLIC_URL", "") + "/support/",
            )
        else:
            send_sms(
                old,
                f"The {what} on your Parlor account was changed to {identifier.masked}. "
                "If this was not you, contact Parlor support.",
            )
    except (MailError, SmsError):
        current_app.logger.warning("could not notify the previous contact address")
