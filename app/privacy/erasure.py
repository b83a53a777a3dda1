"""Erasing an account: everything personal goes, except transactions the law makes us keep."""

import sqlalchemy as sa

from ..extensions import db
from ..mail import MailError, send_email
from ..sms import SmsError, send_sms
from .registry import categories, erasure_steps


def erase_account_and_commit(user):
    """Delete the account and all it owns, commit, then tidy up outside the database.

    Returns the address to confirm to afterwards. Each feature's erasure step runs first and
    may refuse (ErasureRefused) before anything is deleted. Rows keyed on an address rather
    than the account are deleted here; the rest go with the user row (ON DELETE CASCADE), and
    transactions stay, detached (ON DELETE SET NULL), for accounting law. The commit comes
    before the steps' follow-ups (scrubbing log files), which cannot be rolled back.
    """
    follow_ups = [step(user) for step in erasure_steps()]
    address = user.email or user.phone
    for category in categories():
        for source in category.sources:
            if source.keyed_on_contact:
                db.session.execute(sa.delete(source.model).where(source.where(user)))
    db.session.delete(user)
    db.session.flush()
    db.session.commit()
    for follow_up in follow_ups:
        if follow_up is not None:
            follow_up()
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
