"""Per-subscriber adaptation: the layer chosen from estimates and loss, capped retransmissions, rarer keyframes."""

import asyncio

import pytest
from aiortc import RTCPeerConnection
from aiortc.rtp import (
    RTCP_PSFB_APP,
    RtcpPacket,
    RtcpPsfbPacket,
    RtcpReceiverInfo,
    RtcpRrPacket,
    pack_remb_fci,
    unpack_remb_fci,
)

from sfu_node import aiortc_internals
from sfu_node.adaptation import SubscriberAdaptation
from sfu_node.bandwidth import PUBLISHER_FLOOR, UP_HOLD_MIN, LayerChooser, LayerRates, RetransmitBudget
from sfu_node.budget import VideoBudget
from sfu_node.forwarding import PublishedTrack
from sfu_node.layers import TemporalLayerFilter
from sfu_node.packets import PacketTrack
from sfu_node.stats import NodeStats

# Bits per second of layers 0..k of one 640x480 camera at L1T3 (libwebrtc splits about 40/20/40 %).
CAMERA = [400_000, 600_000, 1_000_000]


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


def cost_of(publishers):
    return lambda layer: publishers * CAMERA[layer]


def test_no_estimate_means_every_layer(clock):
    """Before the subscriber reports anything, does it get every layer?"""
    assert LayerChooser(clock=clock).update(None, 0.0, cost_of(2)) == 2


def test_steps_down_at_once_to_what_fits(clock):
    """Does an estimate below what is sent drop the subscriber at once to the highest layer that fits?"""
    chooser = LayerChooser(clock=clock)
    assert chooser.update(600_000, 0.0, cost_of(2)) == 0
    assert chooser.held_down and chooser.weak


def test_steps_up_only_after_the_next_layer_fitted_for_a_while(clock):
    """Does a subscriber step up one layer, and only once the next has fitted its estimate for the hold time?"""
    chooser = LayerChooser(clock=clock)
    chooser.update(900_000, 0.0, cost_of(2))
    for _ in range(int(UP_HOLD_MIN / 0.5)):
        assert chooser.update(3_000_000, 0.0, cost_of(2)) == 0
        clock.now += 0.5
    assert chooser.update(3_000_000, 0.0, cost_of(2)) == 1
    assert chooser.update(3_000_000, 0.0, cost_of(2)) == 1


def test_a_failed_step_up_doubles_the_wait(clock):
    """After stepping up and straight back down, does the next step up wait twice as long (hysteresis)?"""
    chooser = LayerChooser(clock=clock)
    chooser.update(900_000, 0.0, cost_of(2))
    while chooser.update(1_300_000, 0.0, cost_of(2)) == 0:
        clock.now += 0.5
    clock.now += 1
    assert chooser.update(900_000, 0.0, cost_of(2)) == 0  # the estimate fell back: the step failed
    started = clock.now
    while chooser.update(1_300_000, 0.0, cost_of(2)) == 0:
        clock.now += 0.5
    assert clock.now - started >= 2 * UP_HOLD_MIN


def test_heavy_loss_holds_a_subscriber_where_it_is(clock):
    """With a fifth of packets lost, does a subscriber held down stay there although its estimate is generous?"""
    chooser = LayerChooser(clock=clock)
    chooser.update(900_000, 0.0, cost_of(2))
    for _ in range(40):
        clock.now += 0.5
        assert chooser.update(10_000_000, 0.2, cost_of(2)) == 0


def test_an_estimate_dip_a_little_under_what_is_sent_changes_nothing(clock):
    """Does a REMB a few percent under what is sent (a lossy publisher's uneven packets) leave every layer?"""
    chooser = LayerChooser(clock=clock)
    assert chooser.update(0.95 * cost_of(1)(2), 0.3, cost_of(1)) == 2
    assert not chooser.weak


def test_an_estimate_bounded_by_what_is_received_still_climbs_back(clock):
    """Does a subscriber whose REMB is 1.5x what it receives (libwebrtc's bound) climb back to every layer?"""
    chooser = LayerChooser(clock=clock)
    chooser.update(500_000, 0.0, cost_of(1))
    for _ in range(60):
        clock.now += 0.5
        chooser.update(1.5 * cost_of(1)(chooser.layer) + 10_000, 0.0, cost_of(1))
    assert chooser.layer == 2


def test_random_loss_of_a_lossy_link_does_not_hold_a_subscriber_down(clock):
    """On a link with 3 % random loss and room to spare, does a subscriber still climb back to every layer?"""
    chooser = LayerChooser(clock=clock)
    chooser.update(500_000, 0.03, cost_of(1))
    for _ in range(40):
        clock.now += 0.5
        chooser.update(5_000_000, 0.03, cost_of(1))
    assert chooser.layer == 2


def test_retransmissions_are_capped_to_a_share_of_the_estimate(clock):
    """Does a subscriber on a 400 kbit/s estimate get at most a fifth of it in retransmissions?"""
    budget = RetransmitBudget(clock=clock)
    assert budget.allow(1200)  # no estimate yet: answered
    budget.set_estimate(400_000)
    sent = 0
    for _ in range(100):  # 5 s of NACKs, 400 a second
        for _ in range(20):
            sent += 1200 * budget.allow(1200)
        clock.now += 0.05
    assert sent * 8 / 5 <= 0.2 * 400_000 * 1.2
    assert budget.refused > 0


def test_a_weak_subscriber_still_gets_whole_packets_retransmitted(clock):
    """On a 100 kbit/s estimate (a 600-byte quarter second of its share), is a 1200-byte packet still resent?"""
    budget = RetransmitBudget(clock=clock)
    budget.set_estimate(100_000)
    assert budget.allow(1200) and budget.allow(1200)  # two packets at once
    assert not budget.allow(1200)  # but no more than that
    clock.now += 1200 / (0.2 * 100_000 / 8)  # the share refills one packet's worth
    assert budget.allow(1200)
    assert not budget.allow(1200)


def test_layer_rates_are_measured_per_layer(clock):
    """Are a publisher's bytes per temporal layer turned into bit rates for layers 0..k?"""
    rates = LayerRates(clock=clock)
    for _ in range(4):
        for tid, size in ((0, 5000), (2, 2500), (1, 2500), (2, 2500)):
            rates.add(tid, size)
        clock.now += 0.25
    rates.roll()
    assert rates.up_to(0) == pytest.approx(0.5 * 20_000 * 8)
    assert rates.up_to(2) == pytest.approx(0.5 * 50_000 * 8)


class Source:
    def __init__(self, clock):
        self.layer_rates = LayerRates(clock=clock)
        self.layer_rates.rates = [r / 1 for r in (400_000, 200_000, 400_000)]
        self.layer_rates._since = float("inf")  # keep the rates as set
        self.screen = False
        self.spoke_at = float("-inf")


class VideoTrack:
    readyState = "live"
    hidden = False
    paused = False

    def __init__(self, clock, name="video"):
        self.id = name
        self.source = Source(clock)
        self.layers = TemporalLayerFilter()
        self.keyframe_floor = None

    def set_paused(self, paused):
        self.paused = paused


def remb(bitrate):
    return RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=1, media_ssrc=0, fci=pack_remb_fci(bitrate, [11, 12]))


def test_a_weak_subscribers_remb_holds_its_tracks_down_and_its_keyframe_requests_back(clock):
    """Does a 500 kbit/s REMB with two cameras give the tracks the base layer only and a 10 s keyframe floor?

    The two base layers (800 kbit/s) do not fit either: a second later, one of them is paused (budget.py).
    """
    adaptation = SubscriberAdaptation()
    adaptation.chooser = LayerChooser(clock=clock)
    adaptation.budget = VideoBudget(clock=clock, grace=0)
    tracks = [VideoTrack(clock, "a"), VideoTrack(clock, "b")]
    adaptation.tracks.extend(tracks)
    adaptation.on_rtcp(remb(500_000))
    rr = RtcpRrPacket(ssrc=1)
    rr.reports.append(RtcpReceiverInfo(11, 8, 10, 1, 0, 0, 0))
    adaptation.on_rtcp(rr)
    assert adaptation.adapt() == 0
    clock.now += 1
    assert adaptation.adapt() == 0
    assert [t.layers.target for t in tracks] == [0, 0]
    assert [t.keyframe_floor for t in tracks] == [10.0, 10.0]
    assert adaptation.loss == pytest.approx(8 / 256)
    assert [t.paused for t in tracks] == [True, False]  # "a" ranks below "b" when neither has spoken


def test_adaptation_off_leaves_every_layer():
    """With adaptation switched off, is a video track left at every layer and its NACKs unanswered by a budget?"""
    adaptation = SubscriberAdaptation(enabled=False)
    track = VideoTrack(Clock())
    adaptation.watch(sender=None, track=track)
    assert adaptation.tracks == [] and track.layers.target == 2


class Publisher:
    kind = "video"

    def __init__(self):
        self.requests = 0

    def request_keyframe(self):
        self.requests += 1


def test_held_down_subscriber_asks_a_publisher_for_a_keyframe_at_most_every_10_s(clock):
    """Does a subscriber held down, asking twice a second for 40 s, reach the publisher at most once per 10 s?"""
    publisher = Publisher()
    track = PacketTrack(publisher, "viewer-video", clock=clock)
    track.keyframe_floor = 10.0
    for _ in range(80):
        track.request_keyframe()
        clock.now += 0.5
    assert publisher.requests <= 4


def test_a_publisher_is_capped_to_its_weakest_subscribers_share_never_below_a_floor(clock):
    """Is a publisher asked to send no more than its weakest subscriber's share, and never under the floor?"""
    published = PublishedTrack("video", NodeStats(), clock=clock, packets=True)
    published.layer_rates.rates = [400_000, 200_000, 400_000]
    assert published.bitrate_cap() is None  # nobody adapted yet: the node's own estimate stands
    weak, strong = SubscriberAdaptation(), SubscriberAdaptation()
    for adaptation, estimate in ((weak, 400_000), (strong, 5_000_000)):
        track = published.subscribe("viewer")
        adaptation.tracks.append(track)
        track.adaptation = adaptation
        adaptation.on_rtcp(remb(estimate))
        adaptation.chooser = LayerChooser(clock=clock)
        adaptation.adapt()
    assert not strong.chooser.weak  # 5 Mbit/s takes every layer: it asks nobody to hold back
    assert weak.chooser.weak
    assert published.bitrate_cap() == pytest.approx(400_000 * 0.85)
    weak.on_rtcp(remb(50_000))
    assert published.bitrate_cap() == PUBLISHER_FLOOR
    clock.now += 31  # its link has not limited it for a while: the cap goes
    assert published.bitrate_cap() is None


def test_remb_to_a_publisher_is_lowered_to_the_cap_and_left_alone_above_it():
    """Does the receiver's REMB to its publisher carry the cap when lower, and its own estimate otherwise?"""

    async def scenario():
        pc = RTCPeerConnection()
        receiver = pc.addTransceiver("video", direction="recvonly").receiver
        sent = []

        async def record(data):
            sent.append(RtcpPacket.parse(data)[0])

        receiver.transport._send_rtp = record
        cap = [200_000]
        aiortc_internals.cap_remb(receiver, lambda: cap[0])
        await receiver._send_rtcp(remb(1_000_000))
        cap[0] = None
        await receiver._send_rtcp(remb(1_000_000))
        await pc.close()
        return [unpack_remb_fci(packet.fci) for packet in sent]

    assert asyncio.run(scenario()) == [(200_000, [11, 12]), (1_000_000, [11, 12])]
