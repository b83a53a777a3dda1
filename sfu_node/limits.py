"""Per-connection caps on what a client may send over the WebSocket.

A joined client is one of a dozen in a room, but nothing stops it from sending as fast as
its uplink allows: each message costs the node a JSON parse and maybe an SDP or candidate
parse on the event loop every room shares. So each connection gets a token bucket of
messages and a cap on ICE candidates; messages over a cap are answered with an error,
and a client that keeps going over them is disconnected.
"""

import time


class TokenBucket:
    """``burst`` messages at once, refilled at ``rate`` per second."""

    def __init__(self, rate: float, burst: int, clock=time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._updated = clock()

    def take(self) -> bool:
        now = self._clock()
        self._tokens = min(self._burst, self._tokens + (now - self._updated) * self._rate)
        self._updated = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


class OverLimit(Exception):
    """A message over one of the connection's caps; the client gets this as its error."""


class ConnectionLimits:
    """The caps of one client connection, and how many times it has hit them."""

    def __init__(self, *, rate: float, burst: int, max_candidates: int, max_strikes: int, clock=time.monotonic):
        self._bucket = TokenBucket(rate, burst, clock)
        self._max_candidates = max_candidates
        self._max_strikes = max_strikes
        self.candidates = 0
        self.strikes = 0

    @classmethod
    def from_config(cls, config) -> "ConnectionLimits":
        return cls(
            rate=config.message_rate,
            burst=config.message_burst,
            max_candidates=config.max_candidates,
            max_strikes=config.max_strikes,
        )

    def message(self) -> None:
        """Count one incoming message; raise OverLimit when the bucket is empty."""
        if not self._bucket.take():
            raise OverLimit("too many messages")

    def candidate(self) -> None:
        """Count one ICE candidate; raise OverLimit past the connection's cap."""
        if self.candidates >= self._max_candidates:
            raise OverLimit("too many candidates")
        self.candidates += 1

    def strike(self) -> bool:
        """Record one message over a cap; True once the client has earned disconnection."""
        self.strikes += 1
        return self.strikes >= self._max_strikes
