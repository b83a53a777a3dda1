"""End-to-end encryption on the signaling path: the app relays public keys and sealed keys only."""

import pytest
import sqlalchemy as sa

from app.auth.models import User
from app.extensions import db
from app.rooms.models import Room

from .support.sockets import PUBLIC_KEY, events, join

pytestmark = pytest.mark.socketio

IV = "A" * 16
SEALED = "S" * 64  # the shape of a 32-byte key sealed with AES-GCM: 48 bytes in base64url


def test_public_keys_reach_the_others(connect):
    """Does each person's public key reach the others, in the join answer and with peer-joined?"""
    alice, bob = connect(), connect()
    join(alice, "Alice", key="B" + "a" * 86)
    second = join(bob, "Bob")
    assert second["participants"][0]["key"] == "B" + "a" * 86 and second["participants"][0]["e2ee"] is True
    assert events(alice, "peer-joined")[0]["key"] == PUBLIC_KEY


def test_sealed_media_key_goes_to_its_recipient_only(connect):
    """Is a sealed media key relayed to the named person alone, stamped with the sender's real id?"""
    alice, bob, carol = connect(), connect(), connect()
    a, b = join(alice, "Alice"), join(bob, "Bob")
    join(carol, "Carol")
    for socket in (alice, bob, carol):
        socket.get_received()
    message = {"to": b["self"], "index": 3, "iv": IV, "key": SEALED}
    assert alice.emit("media-key", message, callback=True) == {"status": "sent"}
    assert events(bob, "media-key") == [{"from": a["self"], "index": 3, "iv": IV, "key": SEALED}]
    assert events(carol, "media-key") == []


def test_a_clear_media_key_cannot_ride_along(connect):
    """Does the relay drop any field besides the sealed key, so a clear key cannot pass through the app?"""
    alice, bob = connect(), connect()
    join(alice, "Alice")
    b = join(bob, "Bob")
    bob.get_received()
    message = {"to": b["self"], "index": 0, "iv": IV, "key": SEALED, "raw": "k" * 43, "from": "someone-else"}
    alice.emit("media-key", message, callback=True)
    relayed = events(bob, "media-key")[0]
    assert set(relayed) == {"from", "index", "iv", "key"} and relayed["from"] != "someone-else"


@pytest.mark.parametrize(
    "change",
    [{"index": 256}, {"index": True}, {"iv": "A" * 15}, {"key": "k" * 43}, {"key": "S" * 63 + "="}, {"to": "x" * 40}],
)
def test_malformed_media_keys_are_refused(connect, change):
    """Is a media key of the wrong shape (a clear 32-byte key, a bad index or IV) refused?"""
    alice, bob = connect(), connect()
    join(alice, "Alice")
    b = join(bob, "Bob")
    bob.get_received()
    answer = alice.emit(
        "media-key", dict({"to": b["self"], "index": 0, "iv": IV, "key": SEALED}, **change), callback=True
    )
    assert "error" in answer and events(bob, "media-key") == []


def test_media_key_to_someone_absent_is_refused(connect):
    """Is a media key for someone who is not in the meeting refused?"""
    alice = connect()
    join(alice, "Alice")
    answer = alice.emit("media-key", {"to": "nobody", "index": 0, "iv": IV, "key": SEALED}, callback=True)
    assert "not in the meeting" in answer["error"]


def test_media_key_before_joining_is_refused(connect):
    """Can someone in the lobby, not the meeting, hand out media keys?"""
    alice, lurker = connect(), connect()
    a = join(alice, "Alice")
    answer = lurker.emit("media-key", {"to": a["self"], "index": 0, "iv": IV, "key": SEALED}, callback=True)
    assert "Join the meeting first" in answer["error"] and events(alice, "media-key") == []


def test_browser_without_encryption_is_refused(connect):
    """Is a browser that announces no public key kept out of an end-to-end encrypted meeting?"""
    socket = connect()
    answer = socket.emit("join", {"name": "Old browser"}, callback=True)
    assert answer["status"] == "e2ee-required" and "cannot encrypt" in answer["error"]


def test_room_may_allow_browsers_without_encryption(app, connect):
    """Once a Pro owner allows it, does such a browser join, marked as not encrypting for the others?"""
    with app.app_context():
        db.session.execute(sa.update(Room).where(Room.name == "meet-here").values(allow_unencrypted=True))
        db.session.execute(sa.update(User).values(plan="pro"))
        db.session.commit()
    alice, old = connect(), connect()
    join(alice, "Alice")
    assert old.emit("join", {"name": "Old browser"}, callback=True)["status"] == "joined"
    assert events(alice, "peer-joined")[0]["e2ee"] is False
