"""Who is speaking, from the audio level each publisher's browser writes in every Opus packet.

RFC 6464's ssrc-audio-level header extension carries the level of each packet in -dBov (0 is
loudest, 127 silence), outside the payload, so the node reads it with frame encryption on. Each
room picks its active speaker every TICK seconds: the loudest person above SPEECH_LOUDNESS, once
they have been loudest for HOLD_TICKS ticks in a row (a cough or a word across someone does not
move the speaker view), and keeps the last speaker through silence.
"""

TICK = 0.5  # seconds
SPEECH_LOUDNESS = 127 - 60  # louder than -60 dBov on average over a tick
HOLD_TICKS = 2


class LevelMeter:
    """The mean loudness (127 - level) of one publisher's audio packets since the last reading."""

    __slots__ = ("_sum", "_count")

    def __init__(self) -> None:
        self._sum = 0
        self._count = 0

    def observe(self, audio_level) -> None:
        if audio_level is not None:
            self._sum += 127 - audio_level[1]
            self._count += 1

    def take(self) -> float:
        loudness = self._sum / self._count if self._count else 0.0
        self._sum = self._count = 0
        return loudness


class SpeakerDetector:
    """A room's active speaker, with hysteresis."""

    def __init__(self) -> None:
        self.speaker: str | None = None
        self._candidate: str | None = None
        self._ticks = 0

    def update(self, loudness: dict[str, float]) -> str | None:
        """The new active speaker if it changed on this tick, else None."""
        loudest = max(loudness, key=loudness.get, default=None)
        if loudest is None or loudness[loudest] < SPEECH_LOUDNESS or loudest == self.speaker:
            self._candidate, self._ticks = None, 0
            return None
        if loudest != self._candidate:
            self._candidate, self._ticks = loudest, 0
        self._ticks += 1
        if self._ticks < HOLD_TICKS:
            return None
        self.speaker, self._candidate, self._ticks = loudest, None, 0
        return loudest
