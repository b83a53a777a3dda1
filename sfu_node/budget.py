"""Which videos a subscriber gets when even their base layers do not fit its link.

Temporal layers (layers.py) thin each video; they cannot make five publishers' base layers fit
beside five voices on a 400 kbit/s downlink. Sent anyway, the link's queue overflows and
everything on it is lost alike, audio too. So, like LiveKit's and Jitsi's last-N, the node pauses
whole videos for that one subscriber: base layers are kept in order of rank (shared screens,
then whoever spoke last) while they fit the subscriber's estimate, and the videos that do not
fit are paused until there is room for them again. Audio is never paused, and neither is the
last video shown (the estimate needs video to measure). The subscriber's page
is told which videos wait, and says so on those tiles. A paused video resumes on a keyframe
(PacketTrack.set_paused).

A video comes back only after what is sent has stayed within the estimate for a while (the
estimate cannot say more: it never runs far ahead of what arrives). For RESUME_SETTLE seconds
after, only a falling estimate pauses it again (a rising one is the estimate catching up with
the video); one that had to be paused again soon after doubles that wait, up to
RESUME_HOLD_MAX, so a link at its limit is not probed with a keyframe every few seconds. When a
paused publisher starts speaking and a shown one has long been quiet, they swap places, at most
once per SWAP_INTERVAL.
"""

import time

OVER_FOR = 1.0  # seconds what is sent must stay over the estimate before a video is paused
# Seconds from a subscriber's first estimate before anything is paused: a browser's estimate starts
# low and climbs with what it receives (layers are stepped down meanwhile, bandwidth.py).
STARTUP_GRACE = 10.0
RESUME_HOLD_MIN = 4.0  # seconds what is sent must stay within the estimate before a video is tried
RESUME_HOLD_MAX = 32.0
FAILED_RESUME_WINDOW = 8.0  # paused again this soon after a resume: the resume failed
# For this long after a video is tried again, what is sent may exceed the estimate: the estimate
# can only climb while the video arrives (a few per cent a second, from wherever it stood during
# the pause). Only an estimate that falls (RESUME_DROP of its value at the try: the link queued)
# says the video did not fit.
RESUME_SETTLE = 6.0
RESUME_DROP = 0.85
SWAP_INTERVAL = 6.0  # seconds between swaps (each costs the resumed publisher a keyframe)
RECENT_SPEECH = 3.0  # seconds: a paused publisher who spoke this recently may take a place
QUIET_SPEECH = 10.0  # ... from a shown one who has been quiet at least this long


def base_cost(track) -> float:
    """Bits per second of the base temporal layer of ``track``'s publisher."""
    return track.source.layer_rates.up_to(0)


def rank(track) -> tuple:
    """Higher first: a shared screen, then the publisher who spoke last, then a stable order."""
    source = track.source
    return (source.screen, source.spoke_at, track.id)


class VideoBudget:
    """The set of one subscriber's videos paused because its link cannot carry them."""

    def __init__(self, clock=time.monotonic, grace: float = STARTUP_GRACE) -> None:
        self.paused: set = set()
        self._clock = clock
        self._grace = grace
        self._first_estimate_at: float | None = None
        self._fits_since: float | None = None
        self._hold = RESUME_HOLD_MIN
        self._last_resume: float | None = None
        self._estimate_at_resume = 0.0
        self._last_swap: float | None = None
        self._over_since: float | None = None
        self.pauses = 0  # over the subscriber's life, for its metrics
        self.resumes = 0

    def fit(self, candidates: list, estimate: float | None, loss: float, sent: float = 0.0) -> bool:
        """Pause or resume videos among ``candidates`` (live, not hidden); True when the set changed.

        ``estimate``: the subscriber's REMB. Chromium computes it from video packets only (audio
        takes part in its receive-side estimate only with transport-wide feedback), from the
        queueing delay they see, so it is what video may take beside the audio on the link.
        Layers above the base are the layer chooser's to drop (bandwidth.py) and do not count here.
        Unlike a layer step, which tolerates a little over the estimate (DOWN_TOLERANCE there),
        pausing keeps base layers under it: past them, what overflows the link takes audio along.
        ``sent``: bits per second of all the video sent now, layers above the base included.
        """
        now = self._clock()
        gone = self.paused.difference(candidates)
        self.paused -= gone
        if estimate is None:
            return bool(gone)
        if self._first_estimate_at is None:
            self._first_estimate_at = now
        if now - self._first_estimate_at < self._grace:
            return bool(gone)
        ranked = sorted(candidates, key=rank, reverse=True)
        shown = [track for track in ranked if track not in self.paused]
        cost = sum(base_cost(track) for track in shown)
        settling = self._last_resume is not None and now - self._last_resume < RESUME_SETTLE
        # While the last try settles, an estimate under what is sent is still climbing to it.
        climbing = settling and estimate >= RESUME_DROP * self._estimate_at_resume
        if cost > estimate and len(shown) > 1 and not climbing:
            # A dip of one report (a publisher's late retransmissions arriving in a burst) is no
            # reason to pause anyone: the link must stay over for OVER_FOR seconds.
            if self._over_since is None:
                self._over_since = now
            if now - self._over_since < OVER_FOR:
                return bool(gone)
            self._over_since = None
            # One video always goes on: Chromium's estimate is computed from video packets alone,
            # so with none arriving it would stand still wherever it fell, however good the link.
            while len(shown) > 1 and cost > estimate:
                track = shown.pop()  # the lowest rank goes first
                cost -= base_cost(track)
                self.paused.add(track)
                self.pauses += 1
            if self._last_resume is not None and now - self._last_resume < FAILED_RESUME_WINDOW:
                self._hold = min(2 * self._hold, RESUME_HOLD_MAX)
            self._fits_since = None
            return True
        self._over_since = None
        if not self.paused or settling:
            self._fits_since = None  # nothing to bring back, or the last try is still settling
            return bool(gone)
        waiting = max(self.paused, key=rank)
        if shown and self._swap_due(now, waiting, shown[-1]):
            self.paused.discard(waiting)
            self.paused.add(shown[-1])
            self._last_swap = now
            return True
        # A subscriber's estimate never runs far ahead of what it receives (in Chromium it settles
        # a little above it), so it cannot tell whether a paused video would fit. So once what is
        # sent has stayed within the estimate for the hold, the video is tried: if it did not fit,
        # the estimate falls under what is sent, it is paused again and the next try waits longer.
        if loss < 0.05 and estimate >= max(cost, sent):
            if self._fits_since is None:
                self._fits_since = now
            elif now - self._fits_since >= self._hold:
                self.paused.discard(waiting)
                self.resumes += 1
                self._fits_since = None
                self._last_resume = now
                self._estimate_at_resume = estimate
                return True
        else:
            self._fits_since = None
        if self._last_resume is not None and now - self._last_resume > 2 * RESUME_HOLD_MAX:
            self._hold = RESUME_HOLD_MIN  # a long quiet spell: the link may have changed
        return bool(gone)

    def _swap_due(self, now: float, waiting, lowest) -> bool:
        if self._last_swap is not None and now - self._last_swap < SWAP_INTERVAL:
            return False
        if waiting.source.screen != lowest.source.screen:
            return waiting.source.screen  # a screen outranks any camera; never the other way
        if base_cost(waiting) > 1.5 * base_cost(lowest):
            return False  # it would not fit in the place it takes
        return now - waiting.source.spoke_at <= RECENT_SPEECH and now - lowest.source.spoke_at >= QUIET_SPEECH

    def clear(self) -> None:
        self.paused.clear()
