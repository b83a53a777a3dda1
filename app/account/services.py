"""Changes people make to their own account."""

import secrets

from flask import current_app

from ..auth.codes import CHANGE_CONTACT, check_codes_and_commit, check_send_allowed, send_code_and_commit
from ..auth.identifiers import EMAIL, PHONE, Identifier
from ..auth.services import find_user
from ..auth.sessions import end_other_sessions, record_event
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


def old_contact(user, kind):
    """Where the owner must confirm a change: the address being replaced, else the other one."""
    same = user.email if kind == EMAIL else user.phone
    if same:
        return Identifier(kind, same)
    return Identifier(EMAIL, user.email) if user.email else Identifier(PHONE, user.phone)


def start_contact_change(user, identifier):
    """Send one code to the new address and one to the account's current one; return what the
    session keeps. Nothing changes until both come back. Raises TooManyCodes or DeliveryFailed."""
    current = old_contact(user, identifier.kind)
    what = "email address" if identifier.kind == EMAIL else "phone number"
    check_send_allowed(identifier.value)
    check_send_allowed(current.value, where="to your current address")  # both or neither: no half-sent pair
    new_code = send_code_and_commit(identifier, CHANGE_CONTACT, "confirm your new contact details", user=user)
    old_text = f"confirm that the {what} on your Parlor account changes to {identifier.masked}"
    old_code = send_code_and_commit(current, CHANGE_CONTACT, old_text, user=user)
    return {
        "kind": identifier.kind,
        "identifier": identifier.value,
        "new_id": new_code.id,
        "old_id": old_code.id,
        "old_masked": current.masked,
    }


def finish_contact_change(user, pending, new_code, old_code):
    """Check both codes and switch to the new address; return the address it replaced (or None).

    Every other browser signed in to the account is signed out. Raises CodeErrors (both codes
    are tried, so each field can say what was wrong) or ContactInUse.
    """
    codes = {"code": (pending["new_id"], new_code), "old_code": (pending["old_id"], old_code)}
    check_codes_and_commit(codes, CHANGE_CONTACT, user=user)
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
    end_other_sessions(user)
    return old


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
