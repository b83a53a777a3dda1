"""What a page's Socket.IO connection carries, read off the wire like a network panel would."""

import base64
import json
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

PACKET = re.compile(r"^4([23])(\d*)(\[.*)$", re.DOTALL)


class SignalingLog:
    """Every Socket.IO event and acknowledgement a page sends and receives, parsed."""

    def __init__(self, page):
        self.sent = []  # [event, payload] or ["ack", answer]
        self.received = []
        page.on("websocket", self._watch)

    def _watch(self, socket):
        socket.on("framesent", lambda frame: self._keep(self.sent, frame))
        socket.on("framereceived", lambda frame: self._keep(self.received, frame))

    @staticmethod
    def _keep(into, frame):
        match = PACKET.match(frame if isinstance(frame, str) else "")
        if not match:
            return
        message = json.loads(match.group(3))
        into.append(message if match.group(1) == "2" else ["ack", message[0] if message else None])

    def events(self, name, direction="received"):
        return [payload for event, payload in getattr(self, direction) if event == name]

    def self_id(self):
        """Our participant id, from the join acknowledgement."""
        for event, payload in self.received:
            if event == "ack" and isinstance(payload, dict) and payload.get("status") == "joined":
                return payload["self"]
        return None


def attacker_public_key():
    """A P-256 public key nobody in the meeting made, in the form browsers announce theirs."""
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    raw = key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def swap_public_keys(replacement):
    """A WebSocket route (``page.route_web_socket``) that relays Socket.IO faithfully, except that
    every public key it delivers to the page is ``replacement``: what a malicious app could do."""
    public_key = re.compile(r'"key":"[A-Za-z0-9_-]{87}"')

    def route(socket):
        server = socket.connect_to_server()
        socket.on_message(server.send)
        server.on_message(
            lambda message: socket.send(
                public_key.sub(f'"key":"{replacement}"', message) if isinstance(message, str) else message
            )
        )

    return route
