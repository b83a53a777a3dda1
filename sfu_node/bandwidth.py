"""Per-subscriber adaptation: how much of each publisher's video a subscriber's link can take.

A subscriber's browser tells the node what its link carries: REMB (its receive-side estimate,
computed from the abs-send-time the node stamps on every packet) and, per stream, the fraction
lost in its receiver reports. From those, each subscriber gets the temporal layers (layers.py)
of its publishers that fit, with hysteresis: down at once when what is sent exceeds the estimate
by a quarter, up only after the estimate has stood well above what is sent for a while (and loss
is low), and each failed step up doubles that wait. Audio is never touched. Retransmissions to
the subscriber are capped to a share of its estimate (answering every NACK on a saturated link
only deepens its queue), and while its layers are held down, its own keyframe requests reach a
publisher at most once per KEYFRAME_FLOOR_WEAK seconds.
"""

import time

from .layers import ALL_LAYERS

# Receiver-report loss only holds a subscriber where it is: a lossy link's random loss (3 %) is
# not congestion, and a lossy publisher's gaps show as loss at every subscriber for a moment.
LOSS_LOW = 0.05
DOWN_TOLERANCE = 1.25  # step down once what is sent exceeds the estimate by this much
UP_MARGIN = 1.2  # the estimate must exceed what is sent by this much to try the next layer
WEAK_HOLD = 30.0  # seconds a subscriber stays weak (capping its publishers) after its link limited it
UP_HOLD_MIN = 3.0  # seconds the margin must hold before stepping up
UP_HOLD_MAX = 24.0
FAILED_UP_WINDOW = 5.0  # a step down this soon after a step up counts the step up as failed
RETRANSMIT_SHARE = 0.2  # of the estimate, for answering this subscriber's NACKs
RETRANSMIT_BURST = 0.25  # seconds of that share that may go at once
# ... but never less than two full packets: on a 100 kbit/s estimate a quarter second of the
# share is 600 bytes, and a bucket smaller than a packet would refuse every retransmission.
RETRANSMIT_BURST_MIN = 2 * 1200
KEYFRAME_FLOOR_WEAK = 10.0  # seconds between keyframe requests of a subscriber held down
RATE_WINDOW = 1.0  # seconds over which publisher layer rates are averaged
SUBSCRIBER_SHARE = 0.85  # of a subscriber's estimate, split between the videos it receives
PUBLISHER_FLOOR = 150_000  # bits per second a publisher is never asked to go under


class LayerRates:
    """A publisher's video bit rate per temporal layer, smoothed over about a second."""

    __slots__ = ("_bytes", "rates", "_since", "_clock")

    def __init__(self, clock=time.monotonic) -> None:
        self._bytes = [0] * (ALL_LAYERS + 1)
        self.rates = [0.0] * (ALL_LAYERS + 1)
        self._clock = clock
        self._since = clock()

    def add(self, temporal_id: int | None, size: int) -> None:
        self._bytes[temporal_id or 0] += size

    def roll(self) -> None:
        now = self._clock()
        elapsed = now - self._since
        if elapsed < RATE_WINDOW:
            return
        for layer, count in enumerate(self._bytes):
            self.rates[layer] = 0.5 * self.rates[layer] + 0.5 * count * 8 / elapsed
            self._bytes[layer] = 0
        self._since = now

    def up_to(self, layer: int) -> float:
        """Bits per second of layers 0..``layer``."""
        return sum(self.rates[: layer + 1])


class LayerChooser:
    """The temporal layer a subscriber gets, from its estimate and what each layer costs.

    A receiver's REMB never exceeds about 1.5 times what it receives (libwebrtc's AIMD bound), so
    it cannot say the next layer would fit; an estimate well above what is sent now (UP_MARGIN)
    means the link is not the limit, and the layer goes up; if that was wrong, the estimate falls
    under the cost, the layer comes down at once and the next try waits twice as long.

    ``weak``: the subscriber's link is what limits it (it had to step down, or even the base layer
    does not fit) within the last WEAK_HOLD seconds; only a weak subscriber's estimate caps its
    publishers.
    """

    def __init__(self, top: int = ALL_LAYERS, clock=time.monotonic) -> None:
        self.top = top
        self.layer = top
        self._clock = clock
        self._fits_since = None
        self._up_hold = UP_HOLD_MIN
        self._last_up = None
        self._weak_until = None

    def update(self, estimate: float | None, loss: float, cost, may_rise: bool = True) -> int:
        """``cost(k)``: bits per second of layers 0..k of everything this subscriber receives.

        ``may_rise``: False while some of its videos are paused (budget.py): one more video
        comes before more frames of those already shown.
        """
        now = self._clock()
        if estimate is None:
            return self.layer  # no estimate yet: nothing known to be too much
        # A little over the estimate is no reason to drop frames: REMB dips whenever packets
        # arrive unevenly, as a lossy publisher's late retransmissions do.
        budget = estimate * DOWN_TOLERANCE
        down = self.layer
        while down > 0 and cost(down) > budget:
            down -= 1
        if cost(down) > budget:
            self._weak_until = now + WEAK_HOLD  # even what is sent now is too much
        if down < self.layer:
            if self._last_up is not None and now - self._last_up < FAILED_UP_WINDOW:
                self._up_hold = min(2 * self._up_hold, UP_HOLD_MAX)
            self.layer = down
            self._fits_since = None
            self._weak_until = now + WEAK_HOLD
            return self.layer
        if may_rise and self.layer < self.top and loss < LOSS_LOW and estimate >= UP_MARGIN * cost(self.layer):
            if self._fits_since is None:
                self._fits_since = now
            elif now - self._fits_since >= self._up_hold:
                self.layer += 1
                self._fits_since = None
                self._last_up = now
        else:
            self._fits_since = None
        if self._last_up is not None and now - self._last_up > 2 * UP_HOLD_MAX:
            self._up_hold = UP_HOLD_MIN  # a long quiet spell: the link may have changed
        return self.layer

    @property
    def held_down(self) -> bool:
        return self.layer < self.top

    @property
    def weak(self) -> bool:
        return self._weak_until is not None and self._clock() < self._weak_until


class RetransmitBudget:
    """A token bucket over retransmitted bytes, filled at a share of the subscriber's estimate."""

    __slots__ = ("rate", "_tokens", "_at", "_clock", "answered", "refused")

    def __init__(self, clock=time.monotonic) -> None:
        self.rate = None  # bytes per second; None: no estimate yet, no cap
        self._tokens = 0.0
        self._clock = clock
        self._at = clock()
        self.answered = 0
        self.refused = 0

    def set_estimate(self, bits_per_second: float) -> None:
        if self.rate is None:
            self._tokens = max(bits_per_second * RETRANSMIT_SHARE / 8 * RETRANSMIT_BURST, RETRANSMIT_BURST_MIN)
        self.rate = bits_per_second * RETRANSMIT_SHARE / 8

    def allow(self, size: int) -> bool:
        now = self._clock()
        if self.rate is None:
            self.answered += 1
            return True
        self._tokens = min(
            self._tokens + (now - self._at) * self.rate, max(self.rate * RETRANSMIT_BURST, RETRANSMIT_BURST_MIN)
        )
        self._at = now
        if self._tokens >= size:
            self._tokens -= size
            self.answered += 1
            return True
        self.refused += 1
        return False
