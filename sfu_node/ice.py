"""The ICE servers the node's own peer connections use: STUN, and TURN with credentials.

A node behind NAT, or a deployment that wants every path to go through its relay, gives the
node TURN URLs. Credentials come either fixed (a username and a credential) or minted per
connection from coturn's ``static-auth-secret``, exactly as the app mints them for browsers
(TURN REST API: username ``expiry:name``, password base64 HMAC-SHA1 of it), so one coturn
serves both without a long-lived password on the node.
"""

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field

from aiortc import RTCIceServer

# How long a minted credential lives; a connection only needs it while it gathers and refreshes.
MINTED_TTL = 24 * 3600


@dataclass(frozen=True)
class IceSettings:
    urls: tuple[str, ...] = ()
    username: str | None = None
    credential: str | None = field(default=None, repr=False)
    turn_secret: str | None = field(default=None, repr=False)

    def servers(self, name: str, now: float | None = None) -> list[RTCIceServer]:
        """RTCIceServers for one connection; ``name`` labels minted TURN usernames (coturn logs it)."""
        stun = [url for url in self.urls if not is_turn(url)]
        turn = [url for url in self.urls if is_turn(url)]
        servers = [RTCIceServer(urls=url) for url in stun]
        if not turn:
            return servers
        username, credential = self.username, self.credential
        if self.turn_secret:
            username, credential = mint_turn_credential(self.turn_secret, name, now)
        servers.extend(RTCIceServer(urls=url, username=username, credential=credential) for url in turn)
        return servers


def is_turn(url: str) -> bool:
    return url.startswith(("turn:", "turns:"))


def mint_turn_credential(secret: str, name: str, now: float | None = None, ttl: int = MINTED_TTL):
    """A coturn ``use-auth-secret`` credential: (``expiry:name``, base64 HMAC-SHA1)."""
    expiry = int(time.time() if now is None else now) + ttl
    username = f"{expiry}:{name}"
    digest = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode()
