"""Newsletters and digests, sent only to people who currently consent, each with one-click unsubscribe."""

from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..account.consents import DIGEST, NEWSLETTER, record_consent, users_consenting
from ..auth.models import User
from ..extensions import db
from ..mail import MailError, external_url, send_email

LIST_PURPOSES = (NEWSLETTER, DIGEST)


class InvalidUnsubscribeLink(Exception):
    pass


def _serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="parlor-unsubscribe")


def _account_stamp(user):
    # An account number can come back after a deletion; its creation time, to the microsecond,
    # does not, so a link from an old mailing can never speak for a later account.
    return user.created_at.isoformat()


def unsubscribe_token(user, purpose):
    return _serializer().dumps({"u": user.id, "c": _account_stamp(user), "p": purpose})


def read_unsubscribe_token(token):
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise InvalidUnsubscribeLink() from None
    if (
        not isinstance(data, dict)
        or data.get("p") not in LIST_PURPOSES
        or not isinstance(data.get("u"), int)
        or not isinstance(data.get("c"), str)
    ):
        raise InvalidUnsubscribeLink()
    user = db.session.get(User, data["u"])
    if user is None or _account_stamp(user) != data["c"]:
        raise InvalidUnsubscribeLink()
    return user, data["p"]


def unsubscribe(user, purpose):
    """Withdraw the consent the link is for (logged as coming from the link)."""
    record_consent(user, purpose, False, source="unsubscribe_link")


def read_message_file(path):
    """A mailing file: a 'Subject: …' line, a blank line, then the text."""
    text = Path(path).read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    if not head.lower().startswith("subject:") or not body.strip():
        raise ValueError("The file must start with 'Subject: …', then a blank line, then the message.")
    return head.split(":", 1)[1].strip(), body.strip()


def send_mailing(purpose, path):
    """Send the file to everyone consenting to ``purpose`` now. Returns (sent, failed)."""
    subject, body = read_message_file(path)
    recipients = db.session.scalars(
        sa.select(User).where(User.id.in_(users_consenting(purpose)), User.email.is_not(None)).order_by(User.id)
    ).all()
    sent = failed = 0
    for user in recipients:
        link = external_url("privacy.unsubscribe", token=unsubscribe_token(user, purpose))
        headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
        try:
            send_email(
                user.email, subject, "mailing", headers=headers, body=body, unsubscribe_url=link, purpose=purpose
            )
            sent += 1
        except MailError:
            failed += 1
    return sent, failed
