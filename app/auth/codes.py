"""One-time codes: six digits, stored as an HMAC, valid ten minutes, five tries."""

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..timeutil import utcnow
from .models import LoginCode

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5

SIGN_IN = "sign_in"
CHANGE_CONTACT = "change_contact"
DELETE_ACCOUNT = "delete_account"


class CodeError(Exception):
    """The code cannot be accepted; the message says why, in words for people."""


class WrongCode(CodeError):
    def __init__(self, tries_left):
        self.tries_left = tries_left
        plural = "try" if tries_left == 1 else "tries"
        super().__init__(f"That code is not right. You have {tries_left} {plural} left.")


def _digest(code_id, code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def issue_code(identifier, purpose, user=None):
    """Make a new code for ``identifier`` (ending any earlier one) and return (record, code)."""
    now = utcnow()
    db.session.execute(
        sa.update(LoginCode)
        .where(LoginCode.identifier == identifier, LoginCode.purpose == purpose, LoginCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = f"{secrets.randbelow(1_000_000):06d}"
    record = LoginCode(
        identifier=identifier,
        purpose=purpose,
        user_id=user.id if user else None,
        created_at=now,
        expires_at=now + CODE_LIFETIME,
        code_hash="",
    )
    db.session.add(record)
    db.session.flush()
    record.code_hash = _digest(record.id, code)
    return record, code


def check_code(code_id, code, purpose):
    """Accept the code or raise CodeError; a wrong guess is counted even when it raises."""
    record = db.session.get(LoginCode, code_id) if code_id else None
    if record is None or record.purpose != purpose:
        raise CodeError("That code has expired. Ask for a new one.")
    if record.used_at is not None or record.expires_at < utcnow():
        raise CodeError("That code has expired. Ask for a new one.")
    if record.attempts >= MAX_ATTEMPTS:
        raise CodeError("Too many wrong tries. Ask for a new code.")
    candidate = "".join(ch for ch in str(code or "") if ch.isdigit())
    if not hmac.compare_digest(record.code_hash, _digest(record.id, candidate)):
        record.attempts += 1
        db.session.commit()
        if record.attempts >= MAX_ATTEMPTS:
            raise CodeError("Too many wrong tries. Ask for a new code.")
        raise WrongCode(MAX_ATTEMPTS - record.attempts)
    record.used_at = utcnow()
    return record
