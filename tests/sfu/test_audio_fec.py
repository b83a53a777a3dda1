"""Opus in-band FEC through the node: offered, and asked of a publisher for its lossy subscribers."""

import asyncio
from types import SimpleNamespace

from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtcpReceiverInfo, RtcpRrPacket, pack_remb_fci

from sfu_node.forwarding import LOSS_REPORT_FRESH, PublishedTrack, hook_sender
from sfu_node.stats import NodeStats
from tests.support.inprocess import next_json, running_node, token


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def report(ssrc, fraction_lost):
    """A receiver report block about ``ssrc`` (fraction in 1/256ths, as on the wire)."""
    return RtcpReceiverInfo(
        ssrc=ssrc, fraction_lost=fraction_lost, packets_lost=3, highest_sequence=1000, jitter=0, lsr=0, dlsr=0
    )


def publisher_receiver():
    """A publisher's audio receiver stand-in that keeps the RTCP it would send."""
    sent = []

    async def send_rtcp(packet):
        sent.append(packet)

    return SimpleNamespace(_send_rtcp=send_rtcp, sent=sent)


def subscriber_sender(ssrc):
    """A subscriber's audio sender stand-in: its SSRC and the RTCP it handles."""
    handled = []

    async def handle(packet):
        handled.append(packet)

    return SimpleNamespace(_ssrc=ssrc, _handle_rtcp_packet=handle, handled=handled)


def audio_with_two_subscribers():
    clock = Clock()
    audio = PublishedTrack("audio", NodeStats(), clock=clock, packets=True)
    receiver = publisher_receiver()
    audio.attach(receiver)
    senders = []
    for ssrc in (1111, 2222):
        sender = subscriber_sender(ssrc)
        hook_sender(sender, audio.subscribe(f"t{ssrc}"))
        senders.append(sender)
    return audio, receiver, senders, clock


def receiver_report_to_publisher(receiver, own_fraction=0):
    """What the node's receiver sends its publisher next: a report on the publisher's audio."""
    asyncio.run(receiver._send_rtcp(RtcpRrPacket(ssrc=9, reports=[report(5555, own_fraction)])))
    return receiver.sent[-1].reports[0].fraction_lost


def test_offer_says_opus_fec_is_welcome():
    """Does the node's offer carry useinbandfec=1 on Opus, so browsers encode FEC for it?"""

    async def scenario():
        async with running_node() as (_, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "join", "token": token(participant="ann")})
            while (offer := await next_json(ws, skip=())).get("type") != "offer":
                pass
            return offer["sdp"]

    sdp = asyncio.run(scenario())
    [opus] = [line for line in sdp.splitlines() if "opus/48000" in line]
    payload_type = opus.split(":")[1].split()[0]
    fmtp = next(line for line in sdp.splitlines() if line.startswith(f"a=fmtp:{payload_type} "))
    assert "useinbandfec=1" in fmtp


def test_a_lossy_subscriber_raises_the_loss_the_publisher_hears():
    """Does a subscriber's 3 % audio loss reach the publisher's receiver report, the worst one winning?"""
    audio, receiver, (first, second), _ = audio_with_two_subscribers()
    assert receiver_report_to_publisher(receiver) == 0
    asyncio.run(first._handle_rtcp_packet(RtcpRrPacket(ssrc=1, reports=[report(1111, 8)])))  # 3 %
    asyncio.run(second._handle_rtcp_packet(RtcpRrPacket(ssrc=2, reports=[report(2222, 2), report(7777, 200)])))
    assert first.handled and second.handled  # the stock handling still runs
    assert receiver_report_to_publisher(receiver) == 8  # the other block (7777) is not about this audio
    assert receiver_report_to_publisher(receiver, own_fraction=30) == 30  # the uplink's own loss stays if worse


def test_reports_go_stale_and_leave_with_the_subscriber():
    """Does an old report stop counting, and a departed subscriber's report with it?"""
    audio, receiver, (first, second), clock = audio_with_two_subscribers()
    asyncio.run(first._handle_rtcp_packet(RtcpRrPacket(ssrc=1, reports=[report(1111, 25)])))
    clock.now += LOSS_REPORT_FRESH + 1
    assert receiver_report_to_publisher(receiver) == 0
    asyncio.run(first._handle_rtcp_packet(RtcpRrPacket(ssrc=1, reports=[report(1111, 25)])))
    [track] = [t for t in audio.subscribers if t.id == "t1111"]
    audio.unsubscribe(track)
    assert receiver_report_to_publisher(receiver) == 0


def test_other_rtcp_to_the_publisher_passes_unchanged():
    """Does a REMB (or anything not a receiver report) go out as it was?"""
    _, receiver, (first, _), _ = audio_with_two_subscribers()
    asyncio.run(first._handle_rtcp_packet(RtcpRrPacket(ssrc=1, reports=[report(1111, 50)])))
    remb = RtcpPsfbPacket(fmt=RTCP_PSFB_APP, ssrc=9, media_ssrc=0, fci=pack_remb_fci(300000, [5555]))
    asyncio.run(receiver._send_rtcp(remb))
    assert receiver.sent[-1] is remb
