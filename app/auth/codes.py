"""One-time codes: the one "send a code, check a code" flow for sign-in, contact change and erasure.

A code is six digits, stored as an HMAC, valid ten minutes, five tries. Each try is counted
atomically before the code is compared (``UPDATE … SET attempts = attempts + 1 WHERE … AND
attempts < 5``), so concurrent guesses cannot share one count. Over a day, an address gets at most
``SENDS_PER_DAY`` codes, with a growing wait between them, and ``TRIES_PER_DAY`` tries: guessing is
bounded by sends times five, so the wait between sends is a wait between guesses too.
"""

import hashlib
import hmac
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..mail import MailError, send_email
from ..sms import SmsError, send_sms
from ..timeutil import utcnow
from .identifiers import EMAIL
from .models import LoginCode

CODE_LIFETIME = timedelta(minutes=10)
MAX_ATTEMPTS = 5

# The long-term cap, per address over 24 hours, derived from login_codes rows (kept a day past
# expiry by the retention rules, so the window is always covered).
DAY = timedelta(hours=24)
SENDS_PER_DAY = 15
TRIES_PER_DAY = 40
FREE_SENDS = 5  # the per-IP and per-address limiters already allow five in ten minutes
LONGEST_WAIT = timedelta(hours=1)

SIGN_IN = "sign_in"
CHANGE_CONTACT = "change_contact"
DELETE_ACCOUNT = "delete_account"

EXPIRED = "That code has expired. Ask for a new one."
USED_UP = "Too many wrong tries. Ask for a new code."
DAY_USED_UP = "Too many codes were tried for this address today. Try again tomorrow."


class CodeError(Exception):
    """The code cannot be accepted; the message says why, in words for people."""


class WrongCode(CodeError):
    def __init__(self, tries_left):
        self.tries_left = tries_left
        plural = "try" if tries_left == 1 else "tries"
        super().__init__(f"That code is not right. You have {tries_left} {plural} left.")


class TooManyCodes(CodeError):
    """No new code for this address yet; ``wait`` says how long (None: not before tomorrow)."""

    def __init__(self, wait=None, where="there"):
        self.wait = wait
        if wait is None:
            super().__init__(f"We have sent as many codes {where} as we can today. Try again tomorrow.")
        else:
            minutes = max(1, round(wait.total_seconds() / 60))
            plural = "minute" if minutes == 1 else "minutes"
            super().__init__(f"We just sent a code {where}. You can ask for another in {minutes} {plural}.")


class DeliveryFailed(Exception):
    """The code could not be sent; nothing about the account is revealed."""


def _digest(code_id, code):
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{code_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _matches(record, code):
    """The one place a code is compared (tests count calls here)."""
    candidate = "".join(ch for ch in str(code or "") if ch.isdigit())
    return hmac.compare_digest(record.code_hash, _digest(record.id, candidate))


# ---------------------------------------------------------------- the daily cap and backoff
def recent_codes(identifier):
    """(codes sent, tries made, newest send) for ``identifier`` over the last day, every purpose."""
    tries = sa.func.coalesce(sa.func.sum(LoginCode.attempts), 0)
    query = sa.select(sa.func.count(LoginCode.id), tries, sa.func.max(LoginCode.created_at)).where(
        LoginCode.identifier == identifier, LoginCode.created_at > utcnow() - DAY
    )
    sent, tries, newest = db.session.execute(query).one()
    return sent, tries, newest


def wait_before_next(sent):
    """How long after the last code the next may go: nothing for the first few, then doubling."""
    if sent < FREE_SENDS:
        return timedelta(0)
    return min(timedelta(minutes=2 ** (sent - FREE_SENDS + 1)), LONGEST_WAIT)


def check_send_allowed(identifier, where="there"):
    """Raise TooManyCodes if ``identifier`` had its day's codes or tries, or must wait for the next."""
    sent, tries, newest = recent_codes(identifier)
    if sent >= SENDS_PER_DAY or tries >= TRIES_PER_DAY:
        raise TooManyCodes(where=where)
    wait = wait_before_next(sent)
    if wait and newest + wait > utcnow():
        raise TooManyCodes(newest + wait - utcnow(), where=where)


# ---------------------------------------------------------------- sending
def issue_code(identifier, purpose, user=None):
    """Make a new code for ``identifier`` (ending any earlier one) and return (record, code)."""
    now = utcnow()
    db.session.execute(
        sa.update(LoginCode)
        .where(LoginCode.identifier == identifier, LoginCode.purpose == purpose, LoginCode.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
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


def deliver_code(identifier, code, purpose_text, existing=None):
    """Send ``code`` by email or SMS. The message differs for known addresses; the page never does."""
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    try:
        if identifier.kind == EMAIL:
            send_email(
                identifier.value,
                f"{code} is your Parlor code",
                "login_code",
                code=code,
                minutes=minutes,
                purpose_text=purpose_text,
                existing=existing,
            )
        else:
            send_sms(
                identifier.value, f"{code} is your Parlor code to {purpose_text}. It expires in {minutes} minutes."
            )
    except (MailError, SmsError) as error:
        raise DeliveryFailed(str(error)) from error


def send_code_and_commit(identifier, purpose, purpose_text, user=None, existing=None):
    """Issue a code for ``identifier`` and send it; return its record.

    Commits before sending, so a code that reaches someone always exists. Raises TooManyCodes
    (nothing stored) or DeliveryFailed (the code is stored but never arrived).
    """
    check_send_allowed(identifier.value)
    record, code = issue_code(identifier.value, purpose, user=user)
    db.session.commit()
    deliver_code(identifier, code, purpose_text, existing=existing)
    return record


# ---------------------------------------------------------------- checking
def _spend_attempt(record_id, purpose, user):
    """Count one try, atomically; True only if this try may be compared."""
    conditions = [
        LoginCode.id == record_id,
        LoginCode.purpose == purpose,
        LoginCode.attempts < MAX_ATTEMPTS,
        LoginCode.used_at.is_(None),
        LoginCode.expires_at >= utcnow(),
    ]
    if user is not None:
        conditions.append(LoginCode.user_id == user.id)
    result = db.session.execute(
        sa.update(LoginCode)
        .where(*conditions)
        .values(attempts=LoginCode.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _try_code_and_commit(code_id, code, purpose, user):
    """Count one try (committed) and compare; return the record if the code is right."""
    record = db.session.get(LoginCode, code_id) if isinstance(code_id, int) else None
    if record is None:
        raise CodeError(EXPIRED)
    if recent_codes(record.identifier)[1] >= TRIES_PER_DAY:
        # Bounded overshoot: only the live codes' own five tries can race past this count.
        raise CodeError(DAY_USED_UP)
    counted = _spend_attempt(record.id, purpose, user)
    db.session.commit()
    db.session.refresh(record)
    if not counted:
        live = record.purpose == purpose and record.used_at is None and record.expires_at >= utcnow()
        raise CodeError(USED_UP if live and record.attempts >= MAX_ATTEMPTS else EXPIRED)
    if not _matches(record, code):
        tries_left = MAX_ATTEMPTS - record.attempts
        raise WrongCode(tries_left) if tries_left else CodeError(USED_UP)
    return record


def _end(record):
    """Single use even when two right answers race: only one of them ends the code."""
    ended = db.session.execute(
        sa.update(LoginCode)
        .where(LoginCode.id == record.id, LoginCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        raise CodeError(EXPIRED)


def check_code_and_commit(code_id, code, purpose, user=None):
    """Accept the code or raise CodeError; return its record, now used (flushed, not committed).

    The try is counted and committed before the code is compared, so neither concurrent guesses
    nor a view that later rolls back can un-count it. ``user``: the account the code was sent
    for, when there is one.
    """
    record = _try_code_and_commit(code_id, code, purpose, user)
    _end(record)
    return record


class CodeErrors(CodeError):
    """Some of several codes were not accepted; ``errors`` maps each such field to its message."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(" ".join(errors.values()))


def check_codes_and_commit(codes, purpose, user=None):
    """All or nothing for ``{field: (code_id, code)}``: every code is tried (each try counted),
    and they are used only if all are right. Raises CodeErrors; returns ``{field: record}``."""
    records, errors = {}, {}
    for field, (code_id, code) in codes.items():
        try:
            records[field] = _try_code_and_commit(code_id, code, purpose, user)
        except CodeError as error:
            errors[field] = str(error)
    if errors:
        raise CodeErrors(errors)
    for record in records.values():
        _end(record)
    return records
