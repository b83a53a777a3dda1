"""What the node must remember to make tokens single-use and kicks stick.

Both memories are bounded in time by the join token's horizon: ``read_join_token``
refuses a token whose expiry lies more than ``MAX_TOKEN_HORIZON`` ahead, so a spent
``jti`` can be forgotten once its token has expired, and a kick once the room has ended
here and every token issued before the kick has expired.
"""

import time

from .protocol import MAX_TOKEN_HORIZON

PRUNE_EVERY = 256  # entries added between sweeps of expired ones


class SpentTokens:
    """The ``jti`` of every token that has joined, kept until that token expires."""

    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._expiry: dict[str, float] = {}
        self._added_since_prune = 0

    def __contains__(self, jti: str) -> bool:
        return jti in self._expiry

    def __len__(self) -> int:
        return len(self._expiry)

    def spend(self, jti: str, exp: float) -> None:
        self._expiry[jti] = exp
        self._added_since_prune += 1
        if self._added_since_prune >= PRUNE_EVERY:
            self._added_since_prune = 0
            now = self._clock()
            self._expiry = {j: e for j, e in self._expiry.items() if e >= now}


class Removals:
    """(room, participant) pairs the app removed: they may not join that room again.

    A kick lasts while the room lives on this node, and after it ends for as long as a
    token issued before the kick could still be presented.
    """

    def __init__(self, clock=time.time) -> None:
        self._clock = clock
        self._kicked_at: dict[str, dict[str, float]] = {}

    def add(self, room: str, participant: str) -> None:
        self._kicked_at.setdefault(room, {})[participant] = self._clock()

    def __contains__(self, pair: tuple[str, str]) -> bool:
        room, participant = pair
        return participant in self._kicked_at.get(room, ())

    def rooms(self) -> set[str]:
        return set(self._kicked_at)

    def prune(self, live_rooms) -> None:
        """Forget kicks in rooms not live here whose pre-kick tokens have all expired."""
        oldest = self._clock() - MAX_TOKEN_HORIZON
        for room in [r for r in self._kicked_at if r not in live_rooms]:
            kicks = {p: t for p, t in self._kicked_at[room].items() if t >= oldest}
            if kicks:
                self._kicked_at[room] = kicks
            else:
                del self._kicked_at[room]
