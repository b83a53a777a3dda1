"""Webhook endpoints and their delivery log, as the privacy registry lists them."""

from ..privacy.registry import CONTRACT, Category, Rule, Source, owned_by, register_category, register_rule
from .models import WebhookDelivery, WebhookEndpoint


def register(app):
    register_category(
        app,
        Category(
            "webhooks",
            "Webhooks",
            CONTRACT,
            lambda: (
                "Endpoints are kept until you delete them or your account; each delivery record is deleted "
                f"{app.config['WEBHOOK_LOG_RETENTION_DAYS']} days after the event."
            ),
            (
                Source(
                    WebhookEndpoint,
                    owned_by(WebhookEndpoint.user_id),
                    {
                        "id": "Endpoint number.",
                        "user_id": "Your account number.",
                        "url": "Where we send your events.",
                        "events": "Which events you chose.",
                        "created_at": "When you added it.",
                    },
                    withheld={
                        "secret": "The signing secret: shown to you once, left out so a copy cannot forge events."
                    },
                ),
                Source(
                    WebhookDelivery,
                    lambda user: WebhookDelivery.endpoint.has(WebhookEndpoint.user_id == user.id),
                    {
                        "id": "Delivery number.",
                        "endpoint_id": "The endpoint it went to.",
                        "event_id": "The event's id, the same on every attempt.",
                        "event_type": "Which event.",
                        "payload": "What we sent: room, meeting, role, counts and times, and a display name only "
                        "if your site put one in the room link.",
                        "status": "pending, delivered or failed.",
                        "attempts": "How often we tried.",
                        "next_attempt_at": "When we try again, while pending.",
                        "last_attempt_at": "When we last tried.",
                        "last_response_code": "Your server's last HTTP status.",
                        "last_error": "Why the last attempt failed, if it did.",
                        "created_at": "When the event happened.",
                    },
                ),
            ),
        ),
    )
    register_rule(
        app,
        Rule("webhook delivery log", WebhookDelivery, "created_at", "WEBHOOK_LOG_RETENTION_DAYS"),
    )
