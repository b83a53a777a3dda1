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

import aiortc
from aiortc.codecs.vpx import Vp8Encoder
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcdtlstransport import RTCDtlsTransport
from aiortc.rtcrtpreceiver import RTCRtpReceiver
from aiortc.rtcrtpsender import RTCRtpSender
from aiortc.sdp import SessionDescription, candidate_from_sdp

# The one version the doors below were read from (requirements.txt pins the same).
PINNED_AIORTC_VERSION = "1.16.0"

# (class, attribute, where it lives): "class" for methods and properties, "init" for
# instance attributes that the class's __init__ assigns.
REQUIRED = (
    # The receiver hands each reassembled frame to its decoder thread through this queue;
    # we swap it for a tap that forwards frames and hands the thread nothing to decode.
    (RTCRtpReceiver, "_RTCRtpReceiver__decoder_queue", "init"),
    # Sends a picture loss indication to a publisher: the only way to get a keyframe.
    (RTCRtpReceiver, "_send_rtcp_pli", "class"),
    (RTCRtpReceiver, "transport", "class"),
    # The sender packs av.Packets with ``__encoder.pack`` instead of encoding frames.
    (RTCRtpSender, "_RTCRtpSender__encoder", "init"),
    # Called on a subscriber's PLI/FIR; would only flag the (absent) encoder.
    (RTCRtpSender, "_send_keyframe", "class"),
    # The msid stream id every sender of a connection shares unless we set it.
    (RTCRtpSender, "_stream_id", "init"),
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


def transport_stats(transport):
    """The RTCStatsReport of one DTLS transport (packet counters)."""
    return transport._get_stats()


def new_vp8_packer() -> Vp8Encoder:
    """aiortc's VP8 encoder, used only for its ``pack`` (RTP payload descriptors)."""
    return Vp8Encoder()


__all__ = [
    "PINNED_AIORTC_VERSION",
    "AiortcMismatch",
    "SessionDescription",
    "candidate_from_sdp",
    "check",
    "missing_attributes",
    "new_vp8_packer",
    "pack_instead_of_encoding",
    "route_keyframe_requests",
    "send_pli",
    "set_stream_id",
    "set_track_id",
    "tap_decoder_queue",
    "transport_stats",
]
