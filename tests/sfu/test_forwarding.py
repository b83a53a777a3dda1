"""Pass-through forwarding: keyframe starts, coalesced PLIs, lagging subscribers."""

import asyncio
import fractions

import av
import pytest
from aiortc import RTCPeerConnection
from aiortc.codecs import get_capabilities
from aiortc.codecs.vpx import Vp8Encoder, vp8_depayload
from aiortc.rtcrtpparameters import RTCRtpCodecParameters, RTCRtpReceiveParameters
from aiortc.rtcrtpreceiver import RemoteStreamTrack
from aiortc.rtp import RTCP_PSFB_PLI, RtcpPsfbPacket, RtpPacket

from sfu_node import forwarding
from sfu_node.forwarding import PublishedTrack, hook_sender, is_vp8_keyframe
from sfu_node.stats import NodeStats


@pytest.fixture(scope="module")
def vp8_frames():
    """Ten real VP8 frames: a keyframe, eight deltas, and a forced keyframe."""
    encoder = Vp8Encoder()
    frames = []
    for index in range(10):
        image = av.VideoFrame(160, 120, "yuv420p")
        for plane in image.planes:
            plane.update(bytes([(index * 20) % 256]) * plane.buffer_size)
        image.pts = index * 3000
        image.time_base = fractions.Fraction(1, 90000)
        payloads, _ = encoder.encode(image, force_keyframe=index == 9)
        frames.append((payloads, b"".join(vp8_depayload(p) for p in payloads)))
    return frames


class FakeReceiver:
    """Records the PLIs a PublishedTrack sends upstream."""

    def __init__(self) -> None:
        self.plis: list[int] = []

    async def _send_rtcp_pli(self, media_ssrc: int) -> None:
        self.plis.append(media_ssrc)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def published_video(clock=None):
    published = PublishedTrack("video", NodeStats(), clock=clock or Clock())
    receiver = FakeReceiver()
    published._receiver = receiver
    published.media_ssrc = 1234
    return published, receiver


async def started(track):
    """Let the track's first recv() run, as a sender does once DTLS is up."""
    task = asyncio.ensure_future(track.recv())
    await asyncio.sleep(0)
    return task


def test_keyframe_detection_on_real_vp8(vp8_frames):
    """Is only the first and the forced frame of a real VP8 stream seen as a keyframe?"""
    assert [is_vp8_keyframe(data) for _, data in vp8_frames] == [True] + [False] * 8 + [True]
    assert not is_vp8_keyframe(b"")
    assert not is_vp8_keyframe(vp8_frames[0][1][5:])


def test_new_subscriber_starts_on_keyframe(vp8_frames):
    """Does a subscriber added mid-stream skip deltas, ask for a keyframe, and start on it?"""

    async def scenario():
        published, receiver = published_video()
        for i in range(1, 4):
            published.deliver(vp8_frames[i][1], i * 3000)
        track = published.subscribe("late-video")
        first = await started(track)
        published.deliver(vp8_frames[4][1], 4 * 3000)
        await asyncio.sleep(0.01)
        skipped_delta = not first.done()
        published.deliver(vp8_frames[9][1], 9 * 3000)
        packet = await asyncio.wait_for(first, 1)
        return skipped_delta, packet, receiver.plis

    skipped_delta, packet, plis = asyncio.run(scenario())
    assert skipped_delta
    assert is_vp8_keyframe(bytes(packet))
    assert packet.pts == 27000 and packet.time_base == fractions.Fraction(1, 90000)
    assert plis == [1234]


def test_subscriber_plis_coalesce_into_one_upstream(vp8_frames):
    """Do PLIs from many subscribers within 300 ms become one PLI to the publisher?"""

    async def scenario():
        clock = Clock()
        published, receiver = published_video(clock)
        pc = RTCPeerConnection()
        senders = []
        for i in range(5):
            track = published.subscribe(f"sub{i}-video")
            sender = pc.addTransceiver(track, direction="sendonly").sender
            hook_sender(sender, track)
            senders.append(sender)
        for _ in range(3):
            for sender in senders:
                pli = RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=sender._ssrc)
                await sender._handle_rtcp_packet(pli)
        await asyncio.sleep(0)
        burst = list(receiver.plis)
        clock.now += 0.1
        await senders[0]._handle_rtcp_packet(RtcpPsfbPacket(fmt=RTCP_PSFB_PLI, ssrc=1, media_ssrc=0))
        await asyncio.sleep(0)
        held_back = list(receiver.plis)
        clock.now += forwarding.KEYFRAME_REQUEST_INTERVAL
        await asyncio.sleep(forwarding.KEYFRAME_REQUEST_INTERVAL + 0.05)
        await pc.close()
        return burst, held_back, list(receiver.plis), published.stats.keyframe_requests

    burst, held_back, after, counted = asyncio.run(scenario())
    assert burst == [1234]
    assert held_back == [1234]
    assert after == [1234, 1234]
    assert counted == 2


def test_lagging_subscriber_skips_to_next_keyframe(vp8_frames):
    """When a subscriber's queue overflows, does it drop to the next keyframe and request one?"""

    async def scenario():
        clock = Clock()
        published, receiver = published_video(clock)
        slow = published.subscribe("slow-video")
        fast = published.subscribe("fast-video")
        fast_first = await started(fast)
        slow_first = await started(slow)
        published.deliver(vp8_frames[0][1], 0)
        await slow_first, await fast_first
        clock.now += 1  # the start-up keyframe request is long past
        for i in range(1, forwarding.VIDEO_QUEUE_FRAMES + 2):
            published.deliver(vp8_frames[1 + i % 8][1], i * 3000)
            await fast.recv()  # the fast one keeps up
        overflowed = len(slow._queue) == 0 and slow.needs_keyframe
        published.deliver(vp8_frames[3][1], 99_000)  # another delta: still dropped
        still_empty = len(slow._queue) == 0
        published.deliver(vp8_frames[9][1], 102_000)
        resumed = await asyncio.wait_for(slow.recv(), 1)
        # Requests inside one interval wait for its end (real time) and go as one.
        await asyncio.sleep(forwarding.KEYFRAME_REQUEST_INTERVAL + 0.05)
        return (
            overflowed,
            still_empty,
            resumed,
            receiver.plis,
            published.stats.queue_drops,
        )

    overflowed, still_empty, resumed, plis, drops = asyncio.run(scenario())
    assert overflowed and still_empty
    assert is_vp8_keyframe(bytes(resumed)) and resumed.pts == 102_000
    assert plis == [
        1234,
        1234,
    ]  # start-up, then one for the second start and the overflow
    assert drops == forwarding.VIDEO_QUEUE_FRAMES


def test_audio_overflow_drops_oldest_without_keyframe_request():
    """Does a lagging audio subscriber just lose old frames, with no PLI?"""

    async def scenario():
        published = PublishedTrack("audio", NodeStats())
        receiver = FakeReceiver()
        published._receiver, published.media_ssrc = receiver, 1
        track = published.subscribe("a")
        await started(track)
        for i in range(forwarding.AUDIO_QUEUE_FRAMES + 3):
            published.deliver(b"\x01opus", i * 960)
        return len(track._queue), receiver.plis

    assert asyncio.run(scenario()) == (3, [])


def test_receiver_tap_forwards_rtp_without_decoding(vp8_frames):
    """Does a tapped aiortc receiver turn RTP packets into forwarded frames, with its decoder idle?"""

    async def scenario():
        pc = RTCPeerConnection()
        transceiver = pc.addTransceiver("video", direction="recvonly")
        published = PublishedTrack("video", NodeStats())
        published.attach(transceiver.receiver)
        track = published.subscribe("viewer-video")
        first = await started(track)
        vp8 = next(c for c in get_capabilities("video").codecs if c.mimeType == "video/VP8")
        codec = RTCRtpCodecParameters(mimeType=vp8.mimeType, clockRate=90000, payloadType=96)
        # setRemoteDescription would create the remote track; no SDP here.
        transceiver.receiver._track = RemoteStreamTrack(kind="video")
        await transceiver.receiver.receive(RTCRtpReceiveParameters(codecs=[codec]))
        thread = transceiver.receiver._RTCRtpReceiver__decoder_thread
        thread.join(2)
        sequence = 100
        for index in (0, 1, 2):
            payloads = vp8_frames[index][0]
            for n, payload in enumerate(payloads):
                packet = RtpPacket(
                    payload_type=96,
                    sequence_number=sequence,
                    timestamp=5000 + index * 3000,
                    ssrc=42,
                    marker=int(n == len(payloads) - 1),
                )
                packet.payload = payload
                sequence += 1
                await transceiver.receiver._handle_rtp_packet(packet, arrival_time_ms=0)
        forwarded = await asyncio.wait_for(first, 1)
        second = await asyncio.wait_for(track.recv(), 1)
        await pc.close()
        return thread.is_alive(), forwarded, second, published.frames_in

    decoder_alive, forwarded, second, frames_in = asyncio.run(scenario())
    assert not decoder_alive
    assert bytes(forwarded) == vp8_frames[0][1] and forwarded.pts == 0
    assert bytes(second) == vp8_frames[1][1] and second.pts == 3000
    assert frames_in == 2  # the third frame waits in the jitter buffer for its successor


def test_closed_publisher_ends_subscriber_tracks():
    """When a publisher leaves, do its subscribers' tracks end so their senders stop?"""

    async def scenario():
        published, _ = published_video()
        track = published.subscribe("v")
        pending = await started(track)
        published.close()
        try:
            await asyncio.wait_for(pending, 1)
        except Exception as exc:  # noqa: BLE001 - the type is what is asserted
            return type(exc).__name__, track.readyState, published.subscribers
        return None

    assert asyncio.run(scenario()) == ("MediaStreamError", "ended", set())
