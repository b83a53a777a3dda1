"""Packet forwarding: VP8 descriptors, keyframe starts, per-subscriber rewriting, NACKs from history."""

import asyncio
import fractions

import av
import pytest
from aiortc import RTCPeerConnection
from aiortc.codecs import get_capabilities
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpReceiveParameters
from aiortc.rtcrtpreceiver import RemoteStreamTrack
from aiortc.rtp import RtcpPsfbPacket, RtcpRtpfbPacket, RtpPacket

from sfu_node.forwarding import PublishedTrack, hook_sender
from sfu_node.packets import PacketTrack, parse_vp8_descriptor, starts_vp8_keyframe
from sfu_node.stats import NodeStats

VP8 = next(c for c in get_capabilities("video").codecs if c.mimeType == "video/VP8")
CODEC = RTCRtpCodecParameters(mimeType=VP8.mimeType, clockRate=90000, payloadType=96)


@pytest.fixture(scope="module")
def vp8_payloads():
    """RTP payloads (descriptor included) of ten real VP8 frames: a keyframe, eight deltas, a forced keyframe."""
    encoder = Vp8Encoder()
    frames = []
    for index in range(10):
        image = av.VideoFrame(320, 240, "yuv420p")
        for plane in image.planes:
            plane.update(bytes([(index * 20) % 256]) * plane.buffer_size)
        image.pts = index * 3000
        image.time_base = fractions.Fraction(1, 90000)
        payloads, _ = encoder.encode(image, force_keyframe=index == 9)
        frames.append(payloads)
    return frames


def rtp_packets(frames, first_seq=100, first_ts=5000, ssrc=42):
    """The frames as RTP packets, in order, a marker on each frame's last packet."""
    packets, seq = [], first_seq
    for index, payloads in enumerate(frames):
        for n, payload in enumerate(payloads):
            packet = RtpPacket(
                payload_type=96,
                sequence_number=seq & 0xFFFF,
                timestamp=first_ts + index * 3000,
                ssrc=ssrc,
                marker=int(n == len(payloads) - 1),
            )
            packet.payload = payload
            packets.append(packet)
            seq += 1
    return packets


def test_descriptor_with_long_picture_id_tl0picidx_and_temporal_id():
    """Are a 15-bit picture id, TL0PICIDX and the temporal layer id read from a full descriptor?"""
    payload = bytes([0x90, 0xE0, 0x80 | 0x12, 0x34, 0x07, 0b10_1_00000]) + b"frame"
    descriptor = parse_vp8_descriptor(payload)
    assert descriptor.starts_frame
    assert (descriptor.picture_id, descriptor.tl0picidx, descriptor.temporal_id) == (0x1234, 7, 2)
    assert payload[descriptor.size :] == b"frame"


def test_descriptor_short_forms():
    """Are a bare descriptor and a 7-bit picture id parsed, and a continuation packet not a frame start?"""
    assert parse_vp8_descriptor(b"\x10rest").size == 1
    short = parse_vp8_descriptor(bytes([0x80, 0x80, 0x05]) + b"x")
    assert (short.picture_id, short.size, short.starts_frame) == (5, 3, False)


@pytest.mark.parametrize("payload", [b"", b"\x80", b"\x80\x80", b"\x80\x80\x80", b"\x80\x40", b"\x80\x20"])
def test_truncated_descriptor_is_refused(payload):
    """Is a descriptor cut short refused rather than read past its end?"""
    assert parse_vp8_descriptor(payload) is None


def test_keyframe_start_is_seen_only_on_the_first_packet_of_a_keyframe(vp8_payloads):
    """Is only the first packet of the first and the forced frame a keyframe start?"""
    starts = [
        (frame, n)
        for frame, payloads in enumerate(vp8_payloads)
        for n, p in enumerate(payloads)
        if starts_vp8_keyframe(p)
    ]
    assert starts == [(0, 0), (9, 0)]


class Upstream:
    """Records keyframe requests instead of sending a PLI to a publisher."""

    def __init__(self):
        self.plis = []

    async def _send_rtcp_pli(self, media_ssrc):
        self.plis.append(media_ssrc)


async def subscriber(published):
    """A PacketTrack behind a real aiortc sender whose transport records what it would send."""
    pc = RTCPeerConnection()
    track = published.subscribe("viewer-video")
    transceiver = pc.addTransceiver(track, direction="sendonly")
    sender = transceiver.sender
    hook_sender(sender, track)
    sent = []

    async def record(data):
        sent.append(RtpPacket.parse(data))

    sender.transport._send_rtp = record
    sender._RTCRtpSender__mid = "1"
    loop = asyncio.ensure_future(sender._run_rtp(CODEC))  # what send() starts once negotiated
    await asyncio.sleep(0)
    return pc, sender, track, sent, loop


def published_video():
    published = PublishedTrack("video", NodeStats(), packets=True)
    published._receiver = Upstream()
    published.media_ssrc = 1234
    return published


def test_subscriber_starts_on_a_keyframe_with_its_own_numbering(vp8_payloads):
    """Does a new subscriber get nothing before a keyframe, then every packet renumbered by fixed offsets?"""

    async def scenario():
        published = published_video()
        pc, sender, track, sent, loop = await subscriber(published)
        packets = rtp_packets(vp8_payloads[5:] + vp8_payloads[:3], first_seq=65530)  # wraps, keyframe mid-way
        for packet in packets:
            published.deliver_packet(packet)
        track.stop()
        await loop
        await pc.close()
        return packets, sent, sender, published._receiver.plis

    packets, sent, sender, plis = asyncio.run(scenario())
    first = next(i for i, p in enumerate(packets) if starts_vp8_keyframe(p.payload))
    assert len(sent) == len(packets) - first
    assert plis == [1234]  # deltas before the keyframe asked for one (coalesced)
    assert {p.ssrc for p in sent} == {sender._ssrc}
    for original, out in zip(packets[first:], sent, strict=True):
        assert out.payload == original.payload and out.marker == original.marker
        assert (out.sequence_number - sent[0].sequence_number) & 0xFFFF == (
            original.sequence_number - packets[first].sequence_number
        ) & 0xFFFF
        assert (out.timestamp - sent[0].timestamp) & 0xFFFFFFFF == original.timestamp - packets[first].timestamp


def test_late_packets_map_onto_the_gap_and_older_ones_are_dropped(vp8_payloads):
    """Does a late retransmission fill the subscriber's gap, and a packet from before its start get dropped?"""

    async def scenario():
        published = published_video()
        pc, _, track, sent, loop = await subscriber(published)
        packets = rtp_packets(vp8_payloads[:4])
        missing = packets[3]
        for packet in packets[:3] + packets[4:]:
            published.deliver_packet(packet)
        published.deliver_packet(missing)  # repaired by NACK to the publisher, arriving late
        stale = rtp_packets(vp8_payloads[:1], first_seq=90)[0]
        published.deliver_packet(stale)
        track.stop()
        await loop
        await pc.close()
        return packets, sent

    packets, sent = asyncio.run(scenario())
    assert len(sent) == len(packets)
    offset = (sent[0].sequence_number - packets[0].sequence_number) & 0xFFFF
    assert sent[-1].sequence_number == (packets[3].sequence_number + offset) & 0xFFFF
    assert sorted(p.sequence_number for p in sent) == sorted((p.sequence_number + offset) & 0xFFFF for p in packets)


def test_subscriber_nack_is_answered_from_history(vp8_payloads):
    """Does a subscriber's NACK get the forwarded packet again from the sender's bounded history?"""

    async def scenario():
        published = published_video()
        pc, sender, track, sent, loop = await subscriber(published)
        for packet in rtp_packets(vp8_payloads[:3]):
            published.deliver_packet(packet)
        lost = sent[2]
        nack = RtcpRtpfbPacket(fmt=1, ssrc=1, media_ssrc=sender._ssrc)
        nack.lost = [lost.sequence_number]
        before = len(sent)
        await sender._handle_rtcp_packet(nack)
        pli = RtcpPsfbPacket(fmt=1, ssrc=1, media_ssrc=sender._ssrc)
        await sender._handle_rtcp_packet(pli)
        await asyncio.sleep(0)
        track.stop()
        await loop
        await pc.close()
        return lost, sent[before:], published._receiver.plis

    lost, resent, plis = asyncio.run(scenario())
    assert [(p.sequence_number, p.payload) for p in resent] == [(lost.sequence_number, lost.payload)]
    assert plis == [1234]  # the subscriber's PLI went to the publisher


def test_receiver_forwards_each_packet_at_once_despite_a_gap(vp8_payloads):
    """Through a real aiortc receiver, does every packet after a lost one go out at once instead of waiting?"""

    async def scenario():
        pc = RTCPeerConnection()
        transceiver = pc.addTransceiver("video", direction="recvonly")
        published = PublishedTrack("video", NodeStats(), packets=True)
        published.attach(transceiver.receiver)
        pushed = []
        published.subscribers.add(
            type("Spy", (), {"push": lambda self, p, k, d=None, n=None: pushed.append((p.sequence_number, k))})()
        )
        transceiver.receiver._track = RemoteStreamTrack(kind="video")
        await transceiver.receiver.receive(RTCRtpReceiveParameters(codecs=[CODEC]))
        packets = rtp_packets(vp8_payloads[:4])
        for packet in packets[:2] + packets[3:]:
            await transceiver.receiver._handle_rtp_packet(packet, arrival_time_ms=0)
        await pc.close()
        return packets, pushed

    packets, pushed = asyncio.run(scenario())
    assert [seq for seq, _ in pushed] == [p.sequence_number for p in packets[:2] + packets[3:]]
    assert pushed[0][1] and not any(keyframe for _, keyframe in pushed[1:])


def test_packet_track_ends_when_its_publisher_leaves():
    """When a publisher leaves, does a packet subscriber's sender loop end?"""

    async def scenario():
        published = published_video()
        pc, _, track, _, loop = await subscriber(published)
        published.close()
        await asyncio.wait_for(loop, 1)
        await pc.close()
        return track.readyState, published.subscribers, isinstance(track, PacketTrack)

    assert asyncio.run(scenario()) == ("ended", set(), True)


def test_one_subscribers_keyframe_requests_back_off(vp8_payloads):
    """Does a subscriber asking for keyframes nonstop reach the publisher ever less often, down to one per 10 s?"""

    async def scenario():
        published = published_video()
        pc, sender, track, _, loop = await subscriber(published)
        now = [0.0]
        track._clock = lambda: now[0]
        for packet in rtp_packets(vp8_payloads[:1]):
            published.deliver_packet(packet)
        pli = RtcpPsfbPacket(fmt=1, ssrc=1, media_ssrc=sender._ssrc)
        passed = []
        for step in range(120):  # a PLI every 0.5 s for a minute
            now[0] = step * 0.5
            before = track.keyframe_requests
            await sender._handle_rtcp_packet(pli)
            if track.keyframe_requests > before:
                passed.append(now[0])
        now[0] = 80.0  # after a quiet spell, a new problem is answered at once again
        await sender._handle_rtcp_packet(pli)
        now[0] = 81.0
        await sender._handle_rtcp_packet(pli)
        track.stop()
        await loop
        await pc.close()
        return passed, track.keyframe_requests - len(passed)

    passed, after_quiet = asyncio.run(scenario())
    assert passed == [0, 1, 3, 7, 15, 25, 35, 45, 55]
    assert after_quiet == 2
