"""Media forwarding without decoding: publisher receivers fan encoded frames out.

aiortc's receiver reassembles RTP into encoded frames and hands them to a decoder
thread through a private queue. We swap that queue, per receiver, for a tap that
turns each frame into an ``av.Packet`` and hands it to every subscriber's track.
The stock ``RTCRtpSender`` then packetizes those packets instead of encoding, so
nothing is decoded or re-encoded and normal aiortc use elsewhere is unaffected.
"""

import asyncio
import collections
import fractions
import logging
import time

import av
from aiortc.clock import current_ntp_time
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from . import aiortc_internals
from .bandwidth import PUBLISHER_FLOOR, LayerRates
from .packets import PacketTap, PacketTrack, parse_vp8_descriptor, starts_vp8_keyframe
from .speakers import LevelMeter
from .stats import NodeStats

logger = logging.getLogger(__name__)

VIDEO_CLOCK = fractions.Fraction(1, 90000)
AUDIO_CLOCK = fractions.Fraction(1, 48000)
KEYFRAME_REQUEST_INTERVAL = 0.3  # seconds; coalesces PLIs from many subscribers into one
VIDEO_QUEUE_FRAMES = 20  # about 0.7 s at 30 fps; deeper than that the subscriber is lagging
AUDIO_QUEUE_FRAMES = 25  # 0.5 s of 20 ms Opus frames


def is_vp8_keyframe(frame: bytes) -> bool:
    """Whether an encoded VP8 frame (payload descriptors stripped) is a keyframe.

    RFC 6386 9.1: bit 0 of the frame tag is 0 for keyframes, which also carry the
    start code 9d 01 2a. Checking both keeps a frame whose first packet was lost
    from passing as a keyframe.
    """
    return len(frame) >= 10 and not frame[0] & 1 and frame[3:6] == b"\x9d\x01\x2a"


class OpusPacker:
    """Stands in for aiortc's Opus encoder, which would build a libopus context per sender."""

    @staticmethod
    def pack(packet: av.Packet) -> tuple[list[bytes], int]:
        return [bytes(packet)], int(packet.pts)


class ForwardedTrack(MediaStreamTrack):
    """One publisher's media as sent to one subscriber, with a bounded queue."""

    def __init__(self, source: "PublishedTrack", track_id: str) -> None:
        super().__init__()
        self.kind = source.kind
        aiortc_internals.set_track_id(self, track_id)
        self.source = source
        self._queue: collections.deque = collections.deque()
        self._limit = VIDEO_QUEUE_FRAMES if source.kind == "video" else AUDIO_QUEUE_FRAMES
        self._waiter: asyncio.Future | None = None
        # Video starts on a keyframe: nothing before one is decodable for a new viewer.
        self.needs_keyframe = source.kind == "video"
        self.started = False
        self.frames_sent = 0

    def push(self, packet: av.Packet, keyframe: bool) -> None:
        if self.readyState != "live" or not self.started:
            return
        if self.needs_keyframe:
            if not keyframe:
                self.source.request_keyframe()
                return
            self.needs_keyframe = False
        if len(self._queue) >= self._limit:
            self.source.stats.queue_drops += len(self._queue)
            self._queue.clear()
            if self.kind == "video" and not keyframe:
                # Dropped deltas make later deltas undecodable: resume at a keyframe.
                self.needs_keyframe = True
                self.source.request_keyframe()
                return
        self._queue.append(packet)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def recv(self) -> av.Packet:
        if not self.started:
            # The sender only pulls once DTLS is up: ask for a keyframe now, not earlier.
            self.started = True
            if self.needs_keyframe:
                self.source.request_keyframe()
        while not self._queue:
            if self.readyState != "live":
                raise MediaStreamError
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
        self.frames_sent += 1
        return self._queue.popleft()

    def stop(self) -> None:
        super().stop()
        self.source.unsubscribe(self)
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)


class PublishedTrack:
    """A publisher's incoming audio or video, fanned out to its subscribers' tracks.

    ``packets``: forward each RTP packet as it arrives (packets.py) instead of whole frames
    reassembled by aiortc's jitter buffer.
    """

    def __init__(self, kind: str, stats: NodeStats, clock=time.monotonic, packets: bool = False) -> None:
        self.kind = kind
        self.stats = stats
        self.packets = packets
        self.subscribers: set[ForwardedTrack | PacketTrack] = set()
        self.media_ssrc: int | None = None
        self.frames_in = 0
        self.keyframes_in = 0
        self.layer_rates = LayerRates(clock)
        self.level = LevelMeter()  # audio: how loud, for the room's active speaker (speakers.py)
        # How a subscriber whose link cannot carry every video ranks this one (budget.py).
        self.screen = False
        self.spoke_at = float("-inf")  # time.monotonic() when its publisher last spoke
        self._time_base = VIDEO_CLOCK if kind == "video" else AUDIO_CLOCK
        self._receiver = None
        self._clock = clock
        self._last_keyframe_request = -KEYFRAME_REQUEST_INTERVAL
        self._pending_request: asyncio.TimerHandle | None = None
        self._closed = False

    def attach(self, receiver) -> None:
        """Tap ``receiver``: its decoder queue now feeds this track's subscribers."""
        self._receiver = receiver
        # In both modes the decoder thread gets nothing to decode and exits.
        aiortc_internals.tap_decoder_queue(receiver, _FrameTap(self))
        if self.packets:
            aiortc_internals.tap_jitter_buffer(receiver, PacketTap(self.deliver_packet))
            if self.kind == "video":
                aiortc_internals.cap_remb(receiver, self.bitrate_cap)

    def subscribe(self, track_id: str) -> ForwardedTrack | PacketTrack:
        track = PacketTrack(self, track_id, clock=self._clock) if self.packets else ForwardedTrack(self, track_id)
        self.subscribers.add(track)
        return track

    def bitrate_cap(self) -> float | None:
        """What this publisher should send at most: its weakest adapted subscriber's share, or None.

        Temporal layers alone cannot fit a 400 kbit/s subscriber under a camera sending 1.5 Mbit/s
        (its base layer is ~40 %); the publisher's encoder has to come down too. Others keep the
        full frame rate at a lower bit rate, never below PUBLISHER_FLOOR.
        """
        adapted = [t for t in self.subscribers if getattr(t, "adaptation", None) is not None and not t.off]
        shares = [t.adaptation.share() for t in adapted]
        shares = [share for share in shares if share is not None]
        return max(PUBLISHER_FLOOR, min(shares)) if shares else None

    def unsubscribe(self, track) -> None:
        self.subscribers.discard(track)

    def deliver_packet(self, packet) -> None:
        """Hand one RTP packet (RTX already unwrapped) to every subscriber as it arrives."""
        if self._closed:
            return
        descriptor = None
        if self.kind == "video":
            keyframe = starts_vp8_keyframe(packet.payload)
            descriptor = parse_vp8_descriptor(packet.payload)
            self.layer_rates.add(descriptor.temporal_id if descriptor is not None else 0, len(packet.payload))
            self.frames_in += packet.marker
            self.keyframes_in += keyframe
        else:
            keyframe = False
            self.frames_in += 1
            self.level.observe(packet.extensions.audio_level)
        now = current_ntp_time()
        for track in tuple(self.subscribers):
            track.push(packet, keyframe, descriptor, now)

    def deliver(self, data: bytes, timestamp: int) -> None:
        """Hand one encoded frame (RTP timestamp, unwrapped) to every subscriber."""
        if self._closed:
            return
        packet = av.Packet(data)
        packet.pts = timestamp
        packet.time_base = self._time_base
        keyframe = self.kind == "video" and is_vp8_keyframe(data)
        self.frames_in += 1
        self.keyframes_in += keyframe
        # One packet object is shared by all subscribers: senders only read it.
        for track in tuple(self.subscribers):
            track.push(packet, keyframe)

    def request_keyframe(self) -> None:
        """Ask the publisher for a keyframe, at most once per KEYFRAME_REQUEST_INTERVAL."""
        if self.kind != "video" or self._closed or self._pending_request is not None:
            return
        wait = self._last_keyframe_request + KEYFRAME_REQUEST_INTERVAL - self._clock()
        loop = asyncio.get_running_loop()
        if wait <= 0:
            self._send_pli()
        else:
            self._pending_request = loop.call_later(wait, self._send_pli)

    def _send_pli(self) -> None:
        self._pending_request = None
        if self._closed or self._receiver is None or self.media_ssrc is None:
            return
        self._last_keyframe_request = self._clock()
        self.stats.keyframe_requests += 1
        asyncio.ensure_future(aiortc_internals.send_pli(self._receiver, self.media_ssrc))

    def close(self) -> None:
        self._closed = True
        if self._pending_request is not None:
            self._pending_request.cancel()
            self._pending_request = None
        for track in tuple(self.subscribers):
            track.stop()


class _FrameTap:
    """Quacks like the ``queue.Queue`` between an aiortc receiver and its decoder."""

    def __init__(self, published: PublishedTrack) -> None:
        self._published = published

    def put(self, item) -> None:
        if item is not None:
            _codec, frame = item
            self._published.deliver(frame.data, frame.timestamp)

    def get(self):
        return None


def hook_sender(sender, track: ForwardedTrack | PacketTrack) -> None:
    """Make ``sender`` send forwarded media and route its keyframe requests upstream."""
    # The stock sender answers PLI/FIR by flagging its (absent) encoder; the only
    # one who can produce a keyframe is the publisher, so ask them, coalesced.
    if isinstance(track, PacketTrack):
        aiortc_internals.route_keyframe_requests(sender, track.request_keyframe)
        track.attach(sender)
        return
    aiortc_internals.route_keyframe_requests(sender, track.source.request_keyframe)
    packer = aiortc_internals.new_vp8_packer() if track.kind == "video" else OpusPacker()
    aiortc_internals.pack_instead_of_encoding(sender, packer)
