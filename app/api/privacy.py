"""API keys, meetings made through the API and idempotency records, as the privacy registry lists them."""

import sqlalchemy as sa

from ..privacy.registry import CONTRACT, Category, Rule, Source, owned_by, register_category, register_rule
from ..rooms.models import Room
from .models import ApiKey, IdempotencyRecord, Meeting

IDEMPOTENCY_DAYS = 1


def register(app):
    register_category(
        app,
        Category(
            "developers",
            "API keys and API meetings",
            CONTRACT,
            lambda: (
                "Keys are kept until you revoke them; a meeting until its end date; the answer to a "
                f"request with an Idempotency-Key for {IDEMPOTENCY_DAYS} day."
            ),
            (
                Source(
                    ApiKey,
                    owned_by(ApiKey.owner_id),
                    {
                        "id": "Key number.",
                        "owner_id": "Your account number.",
                        "name": "The name you gave the key.",
                        "last4": "The key's last four characters, so you can tell keys apart.",
                        "created_at": "When you created it.",
                        "last_used_at": "When a request last used it.",
                    },
                    withheld={"digest": "A keyed hash of the key: useless to you, and the key itself is never stored."},
                ),
                Source(
                    Meeting,
                    owned_by(Meeting.owner_id),
                    {
                        "id": "Record number.",
                        "public_id": "The meetingId the API answers with.",
                        "room_id": "The meeting's room (listed under rooms).",
                        "owner_id": "Your account number.",
                        "api_key_id": "The key that created it (empty once the key is revoked).",
                        "created_at": "When it was created.",
                    },
                ),
                Source(
                    IdempotencyRecord,
                    lambda user: IdempotencyRecord.api_key_id.in_(
                        sa.select(ApiKey.id).where(ApiKey.owner_id == user.id)
                    ),
                    {
                        "id": "Record number.",
                        "api_key_id": "The key that sent the request.",
                        "key": "The Idempotency-Key your server sent.",
                        "request_digest": "A hash of the request body, to spot a different request under the same key.",
                        "status": "The status code of our answer.",
                        "body": "Our answer, replayed if the same request comes again.",
                        "created_at": "When the request came.",
                    },
                ),
            ),
        ),
    )
    register_rule(
        app,
        Rule(
            "Meetings made through the API, after their end date",
            Room,
            "ends_at",
            0,
            description="The room and its meeting are deleted once the meeting's end date has passed.",
        ),
    )
    register_rule(
        app,
        Rule(
            "Answers kept for Idempotency-Key replays",
            IdempotencyRecord,
            "created_at",
            IDEMPOTENCY_DAYS,
            description="A repeated request is recognised for this long.",
        ),
    )
