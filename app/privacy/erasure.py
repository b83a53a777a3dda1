"""Erasing an account: everything personal goes, except transactions the law makes us keep."""

import sqlalchemy as sa

from ..auth.models import AccountEvent, LoginCode
from ..extensions import db
from ..mail import MailError, send_email
from ..site.models import ContactRequest
from ..sms import SmsError, send_sms
from ..support.models import SupportTicket
from ..usage import techlog


def known_ips(user):
    return {ip for ip in db.session.scalars(sa.select(AccountEvent.ip).where(AccountEvent.user_id == user.id)) if ip}


def erase_account(user):
    """Delete the account and all it owns; return (address, kind) to confirm to afterwards.

    Rooms, sessions, sign-ins, consents, analytics, acknowledgements, identities and tickets
    go with the user row (ON DELETE CASCADE). Rows keyed on the address rather than the
    account go here. Transactions stay, detached (ON DELETE SET NULL), for accounting law.
    """
    from ..billing.services import close_for_erasure

    close_for_erasure(user)  # raises BillingError, before anything is deleted, if Stripe is unreachable
    address = user.email or user.phone
    contacts = [c for c in (user.email, user.phone) if c]
    ips = known_ips(user)
    user_id = user.id
    if contacts:
        db.session.execute(sa.delete(LoginCode).where(LoginCode.identifier.in_(contacts)))
    if user.email:
        db.session.execute(sa.delete(ContactRequest).where(ContactRequest.email == user.email))
        db.session.execute(sa.delete(SupportTicket).where(SupportTicket.email == user.email))
    db.session.delete(user)
    db.session.flush()
    db.session.commit()
    techlog.scrub(user_id, ips)
    return address


def confirm_erasure(address):
    """Tell the address we just deleted that it is done (then we forget it)."""
    try:
        if "@" in address:
            send_email(address, "Your Parlor account is deleted", "account_deleted")
        else:
            send_sms(address, "Your Parlor account and its data are deleted. Thank you for using Parlor.")
    except (MailError, SmsError):
        return False
    return True
