"""Allowed origins, as the privacy registry lists them."""

from ..privacy.registry import CONTRACT, Category, Source, owned_by, register_category
from .models import AllowedOrigin


def register(app):
    register_category(
        app,
        Category(
            "embedding",
            "Embedding settings",
            CONTRACT,
            lambda: "Kept until you change them or delete your account.",
            (
                Source(
                    AllowedOrigin,
                    owned_by(AllowedOrigin.user_id),
                    {
                        "id": "Record number.",
                        "user_id": "Your account number.",
                        "origin": "A site you allowed to show your rooms in a frame.",
                        "created_at": "When you allowed it.",
                    },
                ),
            ),
        ),
    )
