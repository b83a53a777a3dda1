"""Every private part of aiortc the node relies on, checked when this module is imported.

Forwarding without decoding means reaching into aiortc where it offers no public door.
Those doors are named here and nowhere else: the rest of ``sfu_node`` calls the functions
below. Private names can move in any release, so importing this module checks that aiortc
is exactly the version these doors were read from and that each of them is still there,
and raises ``AiortcMismatch`` naming what moved instead of forwarding silently broken media.

Instance attributes assigned in ``__init__`` (the name-mangled ``__decoder_queue`` and
``__encoder``, ``_stream_id``) do not exist on the class; they are checked by looking for
their names among the names ``__init__`` assigns (``co_names``). What cannot be checked
by name (the ``(codec, frame)`` items the decoder queue carries, the decoder thread
exiting on ``None``) is covered by the exact version pin.
"""

import asyncio

import aiortc
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCDtlsTransport, RtpRouter
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.rtp import RTCP_PSFB_APP, RTP_HISTORY_SIZE, RtcpPsfbPacket, RtpPacket, pack_remb_fci, unpack_remb_fci
from aiortc.sdp import SessionDescription, candidate_from_sdp

# The one version the doors below were read from (requirements.txt pins the same).
PINNED_AIORTC_VERSION = "1.16.0"

# (class, attribute, where it lives): "class" for methods and properties, "init" for
# instance attributes that the class's __init__ assigns.
REQUIRED = (
    # The receiver hands each reassembled frame to its decoder thread through this queue;
    # we swap it for a tap that forwards frames and hands the thread nothing to decode.
    (RTCRtpReceiver, "_RTCRtpReceiver__decoder_queue", "init"),
    # Packet forwarding: every RTP packet (RTX unwrapped, NACKs to the publisher already
    # sent) is handed to this jitter buffer's add(); a stand-in forwards it instead.
    (RTCRtpReceiver, "_RTCRtpReceiver__jitter_buffer", "init"),
    (RTCRtpReceiver, "_handle_rtp_packet", "class"),
    # Sends a picture loss indication to a publisher: the only way to get a keyframe.
    (RTCRtpReceiver, "_send_rtcp_pli", "class"),
    (RTCRtpReceiver, "transport", "class"),
    # The receiver's REMB to its publisher goes out here; adaptation lowers it to what the
    # publisher's weakest subscriber can take.
    (RTCRtpReceiver, "_send_rtcp", "class"),
    # The sender packs av.Packets with ``__encoder.pack`` instead of encoding frames.
    (RTCRtpSender, "_RTCRtpSender__encoder", "init"),
    # Called on a subscriber's PLI/FIR; would only flag the (absent) encoder.
    (RTCRtpSender, "_send_keyframe", "class"),
    # The msid stream id every sender of a connection shares unless we set it.
    (RTCRtpSender, "_stream_id", "init"),
    # Packet forwarding replaces the sender's RTP loop (called by send() with the negotiated
    # codec) and writes what that loop would have: the NACK history (answered by the stock
    # _retransmit, with RTX when negotiated) and the counters its RTCP sender reports carry.
    (RTCRtpSender, "_run_rtp", "class"),
    (RTCRtpSender, "_retransmit", "class"),
    # Per-subscriber adaptation reads the subscriber's REMB and receiver reports on their way in.
    (RTCRtpSender, "_handle_rtcp_packet", "class"),
    (RTCRtpSender, "_RTCRtpSender__rtp_started", "init"),
    (RTCRtpSender, "_RTCRtpSender__rtp_exited", "init"),
    (RTCRtpSender, "_RTCRtpSender__rtp_history", "init"),
    (RTCRtpSender, "_RTCRtpSender__rtp_header_extensions_map", "init"),
    (RTCRtpSender, "_RTCRtpSender__mid", "init"),
    (RTCRtpSender, "_RTCRtpSender__ntp_timestamp", "init"),
    (RTCRtpSender, "_RTCRtpSender__rtp_timestamp", "init"),
    (RTCRtpSender, "_RTCRtpSender__octet_count", "init"),
    (RTCRtpSender, "_RTCRtpSender__packet_count", "init"),
    (RTCDtlsTransport, "_send_rtp", "class"),
    # The transport's RTP router knows a receiver's media SSRC but not its RTX SSRC; with two
    # video receivers sharing payload types (camera and screen) it drops every retransmission.
    (RTCDtlsTransport, "_rtp_router", "init"),
    (RtpRouter, "ssrc_table", "init"),
    # Packet counters of a transport, summed for heartbeats and metrics.
    (RTCDtlsTransport, "_get_stats", "class"),
    # MediaStreamTrack.id reads it; a forwarded track's id names its publisher's stream.
    (MediaStreamTrack, "_id", "init"),
    (Vp8Encoder, "pack", "class"),
    (SessionDescription, "parse", "class"),
)


class AiortcMismatch(RuntimeError):
    """The installed aiortc is not the one the node's forwarding was written against."""


def missing_attributes(required=REQUIRED) -> list[str]:
    """``Class.attribute`` for each required private part that is not where we expect it."""
    missing = []
    for owner, attribute, where in required:
        if where == "class":
            present = hasattr(owner, attribute)
        else:
            init = getattr(owner, "__init__", None)
            present = attribute in getattr(getattr(init, "__code__", None), "co_names", ())
        if not present:
            missing.append(f"{owner.__name__}.{attribute}")
    return missing


def check(version=None, required=REQUIRED) -> None:
    """Raise AiortcMismatch unless aiortc is the pinned version with every required attribute."""
    installed = aiortc.__version__ if version is None else version
    if installed != PINNED_AIORTC_VERSION:
        raise AiortcMismatch(
            f"sfu_node needs aiortc=={PINNED_AIORTC_VERSION} (it patches private internals), "
            f"found {installed}; install the pinned version or re-check sfu_node/aiortc_internals.py"
        )
    missing = missing_attributes(required)
    if missing:
        raise AiortcMismatch(
            f"aiortc {installed} lacks internals sfu_node patches: {', '.join(missing)}; "
            "see sfu_node/aiortc_internals.py"
        )


check()


# --- the doors ------------------------------------------------------------------


def tap_decoder_queue(receiver, tap) -> None:
    """Make ``receiver`` hand its encoded frames to ``tap`` (``put``/``get``) instead of a decoder."""
    # Read by _handle_rtp_packet and handed to the decoder thread it starts; a tap whose
    # get() returns None at once makes that thread exit, so nothing is ever decoded.
    receiver._RTCRtpReceiver__decoder_queue = tap


async def send_pli(receiver, media_ssrc: int) -> None:
    """Ask the publisher behind ``receiver`` for a keyframe (RTCP PLI)."""
    await receiver._send_rtcp_pli(media_ssrc)


def pack_instead_of_encoding(sender, packer) -> None:
    """Have ``sender`` packetize pre-encoded ``av.Packet``s with ``packer.pack``."""
    sender._RTCRtpSender__encoder = packer


def route_keyframe_requests(sender, request_keyframe) -> None:
    """Call ``request_keyframe()`` when a subscriber's PLI/FIR reaches ``sender``."""
    sender._send_keyframe = request_keyframe


def set_stream_id(sender, stream_id: str) -> None:
    """Give ``sender`` its own msid stream id, so the browser groups its tracks apart."""
    sender._stream_id = stream_id


def set_track_id(track, track_id: str) -> None:
    """Give a MediaStreamTrack subclass an id of our choosing (aiortc picks a uuid)."""
    track._id = track_id


def route_ssrc(receiver, ssrc: int) -> None:
    """Route RTP packets carrying ``ssrc`` to ``receiver``, whatever their payload type.

    aiortc registers only each receiver's media SSRC and learns an unknown SSRC from its payload
    type, which works while a single receiver has that payload type. A publisher's camera and
    screen lines share VP8 and RTX payload types, so the camera's retransmissions (RTX SSRC,
    never registered) matched two receivers and were discarded: its losses were never repaired.
    """
    receiver.transport._rtp_router.ssrc_table[ssrc] = receiver


def cap_remb(receiver, cap) -> None:
    """Lower each REMB ``receiver`` sends its publisher to ``cap()`` bits per second (None: leave it)."""
    send = receiver._send_rtcp

    async def capped(packet) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            limit = cap()
            if limit is not None:
                bitrate, ssrcs = unpack_remb_fci(packet.fci)
                if limit < bitrate:
                    fci = pack_remb_fci(int(limit), ssrcs)
                    packet = RtcpPsfbPacket(fmt=packet.fmt, ssrc=packet.ssrc, media_ssrc=packet.media_ssrc, fci=fci)
        await send(packet)

    receiver._send_rtcp = capped


def observe_rtcp(sender, observer) -> None:
    """Call ``observer(packet)`` with each RTCP packet routed to ``sender``, before it handles it."""
    handle = sender._handle_rtcp_packet

    async def observed(packet):
        observer(packet)
        await handle(packet)

    sender._handle_rtcp_packet = observed


def gate_retransmissions(sender, allow) -> None:
    """Answer a NACK from ``sender``'s history only if ``allow(size in bytes)`` says so."""
    retransmit = sender._retransmit
    history = sender._RTCRtpSender__rtp_history

    async def gated(sequence_number: int) -> None:
        packet = history.get(sequence_number % RTP_HISTORY_SIZE)
        if packet is None or packet.sequence_number != sequence_number:
            return  # not in history: nothing would be sent anyway
        if allow(len(packet.payload) + 12):
            await retransmit(sequence_number)

    sender._retransmit = gated


def transport_stats(transport):
    """The RTCStatsReport of one DTLS transport (packet counters)."""
    return transport._get_stats()


def tap_jitter_buffer(receiver, tap) -> None:
    """Hand ``tap.add(packet)`` every RTP packet ``receiver`` would reassemble into frames.

    ``add`` must return ``(False, None)``: no picture loss to report, no frame to decode.
    """
    receiver._RTCRtpReceiver__jitter_buffer = tap


def take_over_rtp_loop(sender, run) -> None:
    """Run ``await run(codec)`` instead of the sender's encode-and-packetize loop.

    ``send()`` starts the loop with the negotiated codec; ``stop()`` cancels it and waits for
    the two events the stock loop sets, so the stand-in sets them too.
    """

    async def loop(codec):
        sender._RTCRtpSender__rtp_started.set()
        try:
            await run(codec)
        except asyncio.CancelledError:
            pass
        finally:
            sender._RTCRtpSender__rtp_exited.set()

    sender._run_rtp = loop


class SentRtp:
    """What a sender's RTP loop keeps per sent packet, for NACKs and RTCP sender reports."""

    __slots__ = ("sender", "history", "extensions_map", "mid")

    def __init__(self, sender) -> None:
        self.sender = sender
        self.history = sender._RTCRtpSender__rtp_history
        self.extensions_map = sender._RTCRtpSender__rtp_header_extensions_map
        self.mid = sender._RTCRtpSender__mid

    def record(self, packet: RtpPacket, ntp_time: int) -> None:
        """Remember ``packet`` (sent at ``ntp_time``) for retransmission and the next sender report."""
        sender = self.sender
        self.history[packet.sequence_number % RTP_HISTORY_SIZE] = packet
        sender._RTCRtpSender__ntp_timestamp = ntp_time
        sender._RTCRtpSender__rtp_timestamp = packet.timestamp
        sender._RTCRtpSender__octet_count += len(packet.payload)
        sender._RTCRtpSender__packet_count += 1


def send_rtp(transport, data: bytes) -> None:
    """Encrypt and send one packet now, without a task per packet.

    ``RTCDtlsTransport._send_rtp`` only suspends when a TURN channel is still being bound;
    otherwise it completes on its first step, so it is stepped here by hand, and handed to
    the loop as a task only in that rare case.
    """
    coroutine = transport._send_rtp(data)
    try:
        waiting = coroutine.send(None)
    except StopIteration:
        return
    except ConnectionError:
        return
    # Suspended on a future: let it finish once that future is done, as a Task would.
    waiting.add_done_callback(lambda _: _resume(coroutine))


def _resume(coroutine) -> None:
    try:
        waiting = coroutine.send(None)
    except (StopIteration, ConnectionError):
        return
    waiting.add_done_callback(lambda _: _resume(coroutine))


def new_vp8_packer() -> Vp8Encoder:
    """aiortc's VP8 encoder, used only for its ``pack`` (RTP payload descriptors)."""
    return Vp8Encoder()


__all__ = [
    "PINNED_AIORTC_VERSION",
    "AiortcMismatch",
    "SentRtp",
    "send_rtp",
    "take_over_rtp_loop",
    "tap_jitter_buffer",
    "SessionDescription",
    "candidate_from_sdp",
    "check",
    "missing_attributes",
    "new_vp8_packer",
    "pack_instead_of_encoding",
    "route_keyframe_requests",
    "route_ssrc",
    "observe_rtcp",
    "cap_remb",
    "gate_retransmissions",
    "send_pli",
    "set_stream_id",
    "set_track_id",
    "tap_decoder_queue",
    "transport_stats",
]
