"""The room URL's embedding parameters, named as Whereby's embed users know them.

Unknown parameters, and known ones with values we do not understand, are ignored: an embedding
site's link never breaks a room.
"""

from dataclasses import dataclass

from ..forms_common import CONTROL_CHARACTERS

MAX_NAME = 50
OFF = ("off", "false", "0", "no")


@dataclass(frozen=True)
class EmbedOptions:
    display_name: str | None = None  # prefills the lobby; the only name webhooks may carry
    audio: bool = True  # audio=off: join muted
    video: bool = True  # video=off: join with the camera off
    minimal: bool = False  # minimal: no room title bar
    chat: bool = True
    screenshare: bool = True
    leave_button: bool = True
    people: bool = True
    skip_media_prompt: bool = False  # with displayName: go straight in, no lobby stop


def _on(args, name):
    return name in args and args.get(name, "").lower() not in OFF


def _name(value):
    value = (value or "").strip()
    if not value or len(value) > MAX_NAME or CONTROL_CHARACTERS.search(value):
        return None
    return value


def embed_options(args):
    return EmbedOptions(
        display_name=_name(args.get("displayName")),
        audio=args.get("audio", "").lower() not in OFF,
        video=args.get("video", "").lower() not in OFF,
        minimal=_on(args, "minimal"),
        chat=args.get("chat", "").lower() not in OFF,
        screenshare=args.get("screenshare", "").lower() not in OFF,
        leave_button=args.get("leaveButton", "").lower() not in OFF,
        people=args.get("people", "").lower() not in OFF,
        skip_media_prompt=_on(args, "skipMediaPermissionPrompt"),
    )
