"""Finding what was filed under a person's addresses, including the ones they replaced.

Support tickets, sales enquiries and one-time codes name an email address or phone number,
not an account. After someone changes their address, records filed under the old one are
still theirs, so erasure must delete them and the export must show them. We keep each
replaced address only as an HMAC of its normalised form (the key is derived from SECRET_KEY):
enough to recognise the address on a stored record, useless for contacting anyone, and
unreadable to someone holding the database without the key.
"""

import hashlib
import hmac

import sqlalchemy as sa
from flask import current_app

from ..auth.identifiers import EMAIL, PHONE, InvalidIdentifier, parse_email
from ..extensions import db
from ..timeutil import utcnow
from .models import EarlierContact
from .registry import Category, Rule, Source, register_category, register_rule


def _key():
    return hmac.new(current_app.config["SECRET_KEY"].encode(), b"parlor earlier contacts", hashlib.sha256).digest()


def normalise(value):
    """The form accounts store: lower-cased, validated email; phone numbers are E.164 everywhere."""
    value = value.strip()
    if "@" not in value:
        return value
    try:
        return parse_email(value)
    except InvalidIdentifier:
        return value.lower()


def contact_hash(value):
    return hmac.new(_key(), normalise(value).encode(), hashlib.sha256).hexdigest()


def remember_earlier_contact(user, value):
    """Note that ``value`` stops being ``user``'s address now. Call it where a contact change is applied."""
    if not value:
        return
    digest = contact_hash(value)
    record = db.session.scalar(
        sa.select(EarlierContact).where(EarlierContact.user_id == user.id, EarlierContact.contact_hash == digest)
    )
    if record is None:
        record = EarlierContact(user_id=user.id, kind=EMAIL if "@" in value else PHONE, contact_hash=digest)
        db.session.add(record)
    record.replaced_at = utcnow()
    db.session.flush()


def _filed_under_earlier(user, column, filed_at):
    # Only records filed while the address was still this person's: after they gave it up it
    # may belong to someone else, whose tickets are not ours to export or erase.
    earlier = dict(
        db.session.execute(
            sa.select(EarlierContact.contact_hash, EarlierContact.replaced_at).where(EarlierContact.user_id == user.id)
        ).all()
    )
    if not earlier:
        return []
    # The hashes cannot be compared in SQL, so hash each distinct address old enough to match.
    candidates = db.session.scalars(sa.select(column).distinct().where(filed_at <= max(earlier.values())))
    clauses = []
    for value in candidates:
        replaced_at = earlier.get(contact_hash(value))
        if replaced_at is not None:
            clauses.append(sa.and_(column == value, filed_at <= replaced_at))
    return clauses


def _filed_under_current(user, column, filed_at):
    clauses = []
    for value in (user.email, user.phone):
        if not value:
            continue
        clause = sa.func.lower(column) == value.lower()
        # An address another account gave up: what was filed under it until then is theirs.
        handed_over = db.session.scalar(
            sa.select(sa.func.max(EarlierContact.replaced_at)).where(
                EarlierContact.contact_hash == contact_hash(value), EarlierContact.user_id != user.id
            )
        )
        clauses.append(clause if handed_over is None else sa.and_(clause, filed_at > handed_over))
    return clauses


def filed_under(user, column, filed_at):
    """SQL condition: rows whose ``column`` names one of ``user``'s addresses, current or replaced.

    ``filed_at`` is the row's creation time, compared with when an address changed hands.
    Current addresses match whatever their case, as people type them on forms.
    """
    clauses = _filed_under_current(user, column, filed_at) + _filed_under_earlier(user, column, filed_at)
    return sa.or_(*clauses) if clauses else sa.false()


def retention_days(config):
    """As long as an enquiry or a closed ticket filed under the address may itself be kept."""
    return max(config["CORRESPONDENCE_RETENTION_DAYS"], config["CLOSED_TICKET_RETENTION_DAYS"])


def register(app):
    register_category(
        app,
        Category(
            "earlier_contacts",
            "Earlier contact details",
            "Our legal obligation to find everything about you when you ask to see or delete it "
            "(GDPR art. 6(1)(c), art. 15 and art. 17).",
            lambda: (
                f"Each is deleted {retention_days(current_app.config)} days after you replaced the address, "
                "when nothing filed under it can still be kept."
            ),
            (
                Source(
                    EarlierContact,
                    lambda user: EarlierContact.user_id == user.id,
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "kind": "email or phone: which kind of address you replaced.",
                        "replaced_at": "When you replaced it.",
                    },
                    withheld={
                        "contact_hash": "A keyed one-way hash of the old address: it can only recognise that "
                        "address on a ticket or enquiry, and means nothing to anyone else."
                    },
                ),
            ),
        ),
    )
    register_rule(
        app,
        Rule(
            "earlier contact details",
            EarlierContact,
            "replaced_at",
            retention_days,
            description="kept while a ticket or enquiry filed under the old address may be kept",
        ),
    )
