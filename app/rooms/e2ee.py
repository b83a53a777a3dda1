"""End-to-end encryption in meetings: what the app relays, and who may join without it.

Browsers seal every media frame with per-sender keys (``app/static/js/e2ee/``). The app's part
is small on purpose: it carries each person's public key (in their ``join``, then in the people
lists) and relays media keys sealed for one recipient, and it never sees a media key in the
clear. It cannot check what it relays (it is ciphertext), only that it goes from someone in the
meeting to someone in the same part of it (``breakout.py``).
"""

from .breakout import same_scope
from .connections import MeetingError, presence, transport
from .hosting import NotInMeeting
from .services import allows_unencrypted


def admit(room, key):
    """Refuse a browser that cannot seal frames, unless the room allows such browsers."""
    if key is None and not allows_unencrypted(room):
        raise MeetingError(
            "This meeting is end-to-end encrypted, and this browser cannot encrypt video. "
            "Join from a recent Chrome, Edge, Firefox or Safari.",
            status="e2ee-required",
        )


def relay_media_key(conn, to, index, iv, sealed):
    """Hand one sealed media key to one person in the meeting now, naming its sender."""
    target = presence().get(conn.room_id, to)
    if target is None or to == conn.pid:
        raise NotInMeeting()
    if not same_scope(conn.room_id, conn.pid, target):  # a key opens only its sender's group
        raise MeetingError("That participant is in another breakout group.")
    transport().emit("media-key", {"from": conn.pid, "index": index, "iv": iv, "key": sealed}, to=target["sid"])
    return {"status": "sent"}
