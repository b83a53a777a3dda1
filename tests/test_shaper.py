"""The userspace shaping proxy the network tests and benchmarks put in front of coturn."""

import random

from .support.shaper import Link, LinkProfile


class Clock:
    """Stands in for the event loop: a settable time, and the deliveries it was asked to make."""

    def __init__(self):
        self.now = 0.0
        self.deliveries = []

    def time(self):
        return self.now

    def call_at(self, when, callback, data):
        self.deliveries.append((when, data))


def offer(link, clock, packets, size, interval):
    for _ in range(packets):
        link.send(clock, b"x" * size, None)
        clock.now += interval


def test_rate_limit_holds_throughput_to_the_set_rate():
    """Does a 400 kbit/s link deliver about 400 kbit/s of a 2 Mbit/s offer, dropping the rest at its queue?"""
    link, clock = Link(LinkProfile(rate_kbps=400, queue_ms=200), random.Random(1)), Clock()
    offer(link, clock, packets=2500, size=1000, interval=0.004)  # 10 s at 2 Mbit/s
    last = max(when for when, _ in clock.deliveries)
    kbps = sum(len(data) for _, data in clock.deliveries) * 8 / last / 1000
    assert 380 <= kbps <= 410
    assert link.counters.queue_drops > 1500
    assert last - 10 <= 0.2 + 0.01  # nothing waited longer than the queue allows


def test_random_loss_drops_the_set_share():
    """Does 3 % random loss drop about 3 % of packets?"""
    link, clock = Link(LinkProfile(loss=0.03), random.Random(7)), Clock()
    offer(link, clock, packets=20000, size=100, interval=0.001)
    assert 0.025 <= link.counters.lost / 20000 <= 0.035


def test_burst_loss_comes_in_runs():
    """Do Gilbert-Elliott bursts lose packets in runs rather than one at a time?"""
    link, clock = Link(LinkProfile(burst_enter=0.01, burst_leave=0.25), random.Random(3)), Clock()
    offer(link, clock, packets=20000, size=100, interval=0.001)
    delivered = {round(when, 6) for when, _ in clock.deliveries}
    gaps = [t for t in range(20000) if round(t * 0.001, 6) not in delivered]
    runs = sum(1 for a, b in zip(gaps, gaps[1:], strict=False) if b == a + 1)
    assert gaps and runs / len(gaps) > 0.5


def test_delay_and_jitter_never_reorder():
    """Are packets delayed by the set delay plus jitter, yet delivered in the order sent?"""
    link, clock = Link(LinkProfile(delay_ms=40, jitter_ms=30), random.Random(5)), Clock()
    offer(link, clock, packets=1000, size=100, interval=0.002)
    times = [when for when, _ in clock.deliveries]
    assert times == sorted(times)
    assert all(when - index * 0.002 >= 0.04 - 1e-9 for index, (when, _) in enumerate(clock.deliveries))
