"""Rooms, as the privacy registry lists them."""

from ..plans import AUTO, LARGE, SMALL
from ..privacy.registry import CONTRACT, Category, Source, owned_by, register_category
from .models import Room


def register(app):
    register_category(
        app,
        Category(
            "rooms",
            "Room information",
            CONTRACT,
            lambda: "Kept until you delete the room or your account.",
            (
                Source(
                    Room,
                    owned_by(Room.owner_id),
                    {
                        "id": "Room number.",
                        "name": "The public room name.",
                        "key": "A random identifier telling this room apart from earlier rooms of the same name.",
                        "owner_id": "Your account number.",
                        "mode": f"{SMALL} (peer-to-peer), {LARGE} (through our video router) or {AUTO} (peer-to-peer "
                        "while small, then through the router).",
                        "locked": "Whether visitors must knock.",
                        "ends_at": "For a meeting made through the API: when it ends (nobody joins after).",
                        "org_id": "The organisation a team room belongs to (filed under its owner), if any.",
                        "members_only": "Whether a team room lets only its organisation's members walk in.",
                        "apps": "Whether people in your meetings may open apps (YouTube, Google files, Trello, "
                        "Miro) together; empty means your plan's default.",
                        "created_at": "When you claimed it.",
                    },
                    withheld={
                        "host_key": "The secret in your host link: shown on your rooms page, left out of the archive "
                        "so a copy of it cannot be used to host your room."
                    },
                ),
            ),
        ),
    )
