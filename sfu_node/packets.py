"""Packet forwarding: each RTP packet from a publisher goes out to each subscriber as it arrives.

The frame path (forwarding.py) lets aiortc's jitter buffer reassemble frames, which stalls a
lossy publisher's stream at every missing packet and then bursts. Here the receiver still
terminates SRTP, unwraps RTX, keeps receiver statistics and NACKs the publisher for what it
missed (aiortc's NackGenerator), but its jitter buffer is replaced by a tap that forwards every
packet at once. Per subscriber the packet gets that subscriber's SSRC, payload type, sequence
number and timestamp space (each a fixed offset from the publisher's, so a retransmission that
arrives late lands on the number the subscriber is missing), and is recorded in the sender's
bounded history, from which the stock sender answers the subscriber's NACKs (with RTX where
negotiated). Like LiveKit's and mediasoup's forwarders, a subscriber starts on the packet that
starts a keyframe; only the VP8 payload descriptor and the first bytes of the frame are read,
which frame encryption leaves clear.
"""

import asyncio
import random
import time

from aiortc.clock import current_ntp_time
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.rtp import RtpPacket

from . import aiortc_internals
from .layers import TemporalLayerFilter, rewrite_picture_id

# A subscriber that started mid-stream drops packets older than its first one; after this many
# packets a late packet that old no longer arrives, and checking stops (sequence numbers wrap).
START_GUARD_PACKETS = 512
# A subscriber's own keyframe requests (PLI/FIR) reach the publisher with a backoff: the first
# at once, then at growing intervals while that subscriber keeps asking (one on a link too slow
# or lossy for the stream asks again and again, and each keyframe costs every other viewer of the
# publisher a burst of bits), back to the minimum after a quiet spell. Joining is not held back.
KEYFRAME_BACKOFF_MIN = 1.0
KEYFRAME_BACKOFF_MAX = 10.0


class Vp8Descriptor:
    """The fields of a VP8 RTP payload descriptor (RFC 7741 section 4.2) the node needs."""

    __slots__ = ("starts_partition", "partition", "picture_id", "tl0picidx", "temporal_id", "layer_sync", "size")

    def __init__(self, starts_partition, partition, picture_id, tl0picidx, temporal_id, size, layer_sync=False) -> None:
        self.starts_partition = starts_partition
        self.partition = partition
        self.picture_id = picture_id
        self.tl0picidx = tl0picidx
        self.temporal_id = temporal_id
        self.layer_sync = layer_sync
        self.size = size

    @property
    def starts_frame(self) -> bool:
        return self.starts_partition and self.partition == 0


def parse_vp8_descriptor(payload: bytes) -> Vp8Descriptor | None:
    """The descriptor at the start of a VP8 RTP payload, or None if it is truncated."""
    size = len(payload)
    if size < 1:
        return None
    first = payload[0]
    offset = 1
    picture_id = tl0picidx = temporal_id = None
    layer_sync = False
    if first & 0x80:  # X: an extension byte follows
        if size < 2:
            return None
        extension = payload[1]
        offset = 2
        if extension & 0x80:  # I: picture id, 7 or 15 bits (M)
            if offset >= size:
                return None
            if payload[offset] & 0x80:
                if offset + 1 >= size:
                    return None
                picture_id = ((payload[offset] & 0x7F) << 8) | payload[offset + 1]
                offset += 2
            else:
                picture_id = payload[offset]
                offset += 1
        if extension & 0x40:  # L: TL0PICIDX
            if offset >= size:
                return None
            tl0picidx = payload[offset]
            offset += 1
        if extension & 0x30:  # T or K: TID, Y, KEYIDX share one byte
            if offset >= size:
                return None
            if extension & 0x20:  # T: TID and Y are meaningful (K alone carries only KEYIDX)
                temporal_id = payload[offset] >> 6
                layer_sync = bool(payload[offset] & 0x20)
            offset += 1
    return Vp8Descriptor(bool(first & 0x10), first & 0x07, picture_id, tl0picidx, temporal_id, offset, layer_sync)


def starts_vp8_keyframe(payload: bytes) -> bool:
    """Whether this RTP payload is the first packet of a VP8 keyframe.

    The descriptor says the packet starts partition 0; the frame tag's P bit is 0 for
    keyframes, which also carry the start code 9d 01 2a (RFC 6386 9.1), all within the
    frame's first 10 bytes.
    """
    # Cheap test first: S set, partition 0 (and no reserved bit), as most packets are not.
    if not payload or payload[0] & 0x5F != 0x10:
        return False
    descriptor = parse_vp8_descriptor(payload)
    if descriptor is None:
        return False
    start = descriptor.size
    return len(payload) >= start + 10 and not payload[start] & 1 and payload[start + 3 : start + 6] == b"\x9d\x01\x2a"


class PacketTap:
    """Quacks like aiortc's JitterBuffer: takes every packet, reassembles nothing."""

    __slots__ = ("_deliver",)

    def __init__(self, deliver) -> None:
        self._deliver = deliver

    def add(self, packet: RtpPacket):
        self._deliver(packet)
        return False, None


class PacketTrack(MediaStreamTrack):
    """One publisher's packets as sent to one subscriber, in that subscriber's numbering."""

    def __init__(self, source, track_id: str, clock=time.monotonic) -> None:
        super().__init__()
        self.kind = source.kind
        aiortc_internals.set_track_id(self, track_id)
        self.source = source
        self.needs_keyframe = source.kind == "video"
        # Video: which temporal layers go out, and the numbering that hides the rest (layers.py).
        self.layers = TemporalLayerFilter() if source.kind == "video" else None
        self.frames_sent = 0
        self.packets_sent = 0
        self._sender = None
        self._sent: aiortc_internals.SentRtp | None = None
        self._payload_type = None
        self._seq_offset = 0
        self._ts_offset = 0
        self._first_seq = None
        self._guard = 0
        self._stopped = asyncio.Event()
        self._clock = clock
        self._last_request = None
        self._request_interval = KEYFRAME_BACKOFF_MIN
        # Set by adaptation while this subscriber's layers are held down: its link is the
        # problem, and each keyframe costs every other viewer of the publisher a burst.
        self.keyframe_floor: float | None = None
        self.adaptation = None  # this subscriber's SubscriberAdaptation, when adapting
        self.hidden = False  # its tile is off the subscriber's screen: send no video
        self.paused = False  # the subscriber's link cannot carry it (budget.py): send no video
        self.off = False  # hidden or paused
        self.hidden_since: float | None = None  # when the subscriber reported it hidden (this clock)
        self.keyframe_requests = 0

    def attach(self, sender) -> None:
        """Send through ``sender``: its RTP loop becomes waiting for this track to stop."""
        self._sender = sender
        aiortc_internals.take_over_rtp_loop(sender, self._run)

    async def _run(self, codec) -> None:
        # send() calls this once negotiation is done and the sender knows its mid and codec.
        self._payload_type = codec.payloadType
        self._sent = aiortc_internals.SentRtp(self._sender)
        if self.needs_keyframe:
            self.source.request_keyframe()
        await self._stopped.wait()

    def request_keyframe(self) -> None:
        """This subscriber's PLI/FIR: passed upstream (coalesced there), with a per-subscriber backoff."""
        now = self._clock()
        if self._last_request is not None:
            since = now - self._last_request
            if since < self._request_interval or (self.keyframe_floor and since < self.keyframe_floor):
                return
            if since >= 2 * KEYFRAME_BACKOFF_MAX:
                self._request_interval = KEYFRAME_BACKOFF_MIN
            else:
                self._request_interval = min(2 * self._request_interval, KEYFRAME_BACKOFF_MAX)
        self._last_request = now
        self.keyframe_requests += 1
        self.source.request_keyframe()

    async def recv(self):
        # The sender's own loop, which would call this, is replaced; nothing reads frames.
        await self._stopped.wait()
        raise MediaStreamError

    def push(self, packet: RtpPacket, keyframe: bool, descriptor: Vp8Descriptor | None = None, now=None) -> None:
        """Send one publisher packet on; ``now``: NTP time, read once per packet for all subscribers."""
        # The hottest function of the node (every packet, every subscriber): one call, inline.
        if self._sent is None or self.readyState != "live":
            return
        payload = packet.payload
        layers = self.layers
        if layers is not None:
            if self.off or (not layers.started and not self._start_video(packet, keyframe, descriptor)):
                return
            placed = layers.place(packet.sequence_number, descriptor)
            if placed is None:
                return
            seq, picture_id, padding = placed
            if padding:
                payload = b""  # fills a slot whose packet is of a layer this subscriber is not sent
            elif picture_id is not None and picture_id != descriptor.picture_id:
                payload = rewrite_picture_id(payload, picture_id)
        else:
            seq = packet.sequence_number
            if self._first_seq is None:
                self._first_seq = seq
                self._guard = START_GUARD_PACKETS
                self._seq_offset = random.getrandbits(16) - seq
                self._ts_offset = random.getrandbits(32) - packet.timestamp
            elif self._guard:
                self._guard -= 1
                if (seq - self._first_seq) & 0x8000:
                    return  # from before this subscriber's first packet
            seq = (seq + self._seq_offset) & 0xFFFF
        out = RtpPacket(
            payload_type=self._payload_type,
            marker=packet.marker if payload else 0,
            sequence_number=seq,
            timestamp=(packet.timestamp + self._ts_offset) & 0xFFFFFFFF,
            ssrc=self._sender._ssrc,
            payload=payload,
        )
        out.padding_size = packet.padding_size
        extensions = out.extensions
        sent = self._sent
        if now is None:
            now = current_ntp_time()
        extensions.abs_send_time = (now >> 14) & 0x00FFFFFF
        extensions.mid = sent.mid
        extensions.audio_level = packet.extensions.audio_level
        sent.record(out, now)
        aiortc_internals.send_rtp(self._sender.transport, out.serialize(sent.extensions_map))
        self.packets_sent += 1
        if payload:
            self.frames_sent += packet.marker if layers is not None else 1

    def _start_video(self, packet: RtpPacket, keyframe: bool, descriptor: Vp8Descriptor | None) -> bool:
        """Start (or resume after a pause) on a keyframe; until one comes, ask for it."""
        if not keyframe:
            self.source.request_keyframe()
            return False
        self.needs_keyframe = False
        if self._first_seq is None:
            self._first_seq = packet.sequence_number
            self._ts_offset = random.getrandbits(32) - packet.timestamp
        picture_id = descriptor.picture_id if descriptor is not None else None
        self.layers.start(packet.sequence_number, picture_id, random.getrandbits(16))
        return True

    def set_hidden(self, hidden: bool) -> None:
        """Stop sending video nobody on this subscriber's screen sees; resume on a keyframe."""
        if self.layers is not None:
            if hidden != self.hidden:
                self.hidden_since = self._clock() if hidden else None
            self.hidden = hidden
            self._turn(hidden or self.paused)

    def set_paused(self, paused: bool) -> None:
        """Stop sending video the subscriber's link cannot carry; resume on a keyframe."""
        if self.layers is not None:
            self.paused = paused
            self._turn(self.hidden or paused)

    def _turn(self, off: bool) -> None:
        if off == self.off:
            return
        self.off = off
        if not off and self.layers.started:
            self.layers.started = False  # numbered on from the last packet sent (layers.py)
            self.source.request_keyframe()

    def stop(self) -> None:
        super().stop()
        self.source.unsubscribe(self)
        self._stopped.set()
