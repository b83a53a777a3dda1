"""One participant: a WebSocket, one bundled peer connection, and the negotiation the node drives."""

import asyncio
import logging
import time
import uuid
from dataclasses import dataclass, field

from aiortc import (
    RTCConfiguration,
    RTCPeerConnection,
    RTCRtpSender,
    RTCSessionDescription,
)
from aiortc.rtcconfiguration import RTCBundlePolicy

from . import aiortc_internals
from .adaptation import SubscriberAdaptation
from .aiortc_internals import SessionDescription, candidate_from_sdp
from .forwarding import ForwardedTrack, PublishedTrack, hook_sender
from .stats import NodeStats, transport_packets

logger = logging.getLogger(__name__)

# What each participant publishes, by name, and the media kind of each: the microphone, the
# camera and a shared screen (its own video line, idle until the person shares).
PUBLISHED = {"audio": "audio", "video": "video", "screen": "video"}
# A subscriber's browser groups tracks by stream id: the screen gets a stream of its own,
# named after the publisher's, so the page can give it a tile of its own.
SCREEN_SUFFIX = "-screen"
ALLOWED_MIME_TYPES = {"audio": {"audio/opus"}, "video": {"video/vp8", "video/rtx"}}
# Seconds nobody may have a participant's camera on screen before they are told to stop encoding
# it: a layout change or a page flip shows it again within moments, and resuming costs a keyframe.
CAMERA_PAUSE_AFTER = 2.0


class NegotiationError(Exception):
    """The client's answer or candidate could not be applied."""


def _codec_preferences(kind: str) -> list:
    codecs = RTCRtpSender.getCapabilities(kind).codecs
    return [c for c in codecs if c.mimeType.lower() in ALLOWED_MIME_TYPES[kind]]


@dataclass
class Subscription:
    """What one subscriber receives of one publisher's connection."""

    publisher_id: str
    stream_id: str
    transceivers: list = field(default_factory=list)
    tracks: list[ForwardedTrack] = field(default_factory=list)


class Participant:
    def __init__(
        self,
        *,
        room: str,
        participant_id: str,
        name: str,
        role: str,
        ws,
        stats: NodeStats,
        ice_servers=(),
        negotiation_timeout: float = 15.0,
        forwarding: str = "packets",
        adaptation: bool = True,
        clock=time.monotonic,
    ) -> None:
        self.room = room
        self.id = participant_id
        self.name = name
        self.role = role
        self.ws = ws
        # Each connection gets its own session id, so a reconnect under the same
        # participant id is a different publisher to everyone else.
        self.session = uuid.uuid4().hex
        self.stats = stats
        self.closed = False
        self.published = {
            name: PublishedTrack(kind, stats, clock=clock, packets=forwarding == "packets")
            for name, kind in PUBLISHED.items()
        }
        self.published["screen"].screen = True
        self.subscriptions: dict[str, Subscription] = {}
        self.adaptation = SubscriberAdaptation(
            enabled=adaptation and forwarding == "packets", name=f"{room}/{participant_id}"
        )
        self.adaptation.on_paused = self._tell_paused
        self._paused_told = None
        # Told to stop encoding its camera: nobody sees it. A new connection starts unpaused, and
        # so does its browser (sfu-client.js), so the two never disagree.
        self.camera_paused = False
        self._clock = clock
        self._negotiation_timeout = negotiation_timeout
        self._send_lock = asyncio.Lock()
        self._dirty = False
        self._negotiator: asyncio.Task | None = None
        self._answer: asyncio.Future | None = None
        self._pending_candidates: list = []
        self._ws_closer: asyncio.Future | None = None
        config = RTCConfiguration(
            iceServers=list(ice_servers),
            bundlePolicy=RTCBundlePolicy.MAX_BUNDLE,
        )
        self.pc = RTCPeerConnection(config)
        self._publish_mids: dict[str, str] = {}
        self._publish_transceivers = {}
        for name, kind in PUBLISHED.items():
            transceiver = self.pc.addTransceiver(kind, direction="recvonly")
            transceiver.setCodecPreferences(_codec_preferences(kind))
            self.published[name].attach(transceiver.receiver)
            self._publish_transceivers[name] = transceiver
        self.pc.on("connectionstatechange", self._on_connection_state)
        # Both set by the registry: the room's participants (shared dict) and what
        # to do when this connection dies on its own.
        self.members: dict = {}
        self.on_failed = None

    # --- messaging -------------------------------------------------------------

    async def send(self, message: dict) -> None:
        if self.ws.closed:
            return
        async with self._send_lock:
            try:
                await self.ws.send_json(message)
            except (ConnectionError, RuntimeError) as exc:
                logger.debug("send to %s failed: %s", self.id, exc)

    # --- negotiation -----------------------------------------------------------

    def request_negotiation(self) -> None:
        """Schedule a new offer; changes arriving mid-negotiation fold into the next one."""
        if self.closed:
            return
        self._dirty = True
        if self._negotiator is None or self._negotiator.done():
            self._negotiator = asyncio.create_task(self._negotiate_loop())

    async def _negotiate_loop(self) -> None:
        try:
            while self._dirty and not self.closed:
                self._dirty = False
                await self._sync_subscriptions()
                await self._offer_and_wait()
        except asyncio.CancelledError:
            raise
        except TimeoutError:
            await self.fail("negotiation timed out")
        except Exception:
            logger.exception("negotiation with %s in %s failed", self.id, self.room)
            await self.fail("negotiation failed")

    async def _offer_and_wait(self) -> None:
        offer = await self.pc.createOffer()
        await self.pc.setLocalDescription(offer)
        if not self._publish_mids:
            self._publish_mids = {k: t.mid for k, t in self._publish_transceivers.items()}
        self._answer = asyncio.get_running_loop().create_future()
        # Streams first: the browser fires ontrack while applying the offer and
        # must already know whose tile each stream belongs to.
        streams = self.stream_map()
        screens = [stream for stream in streams if stream.endswith(SCREEN_SUFFIX)]
        await self.send({"type": "streams", "streams": streams, "screens": screens})
        await self.send(
            {
                "type": "offer",
                "sdp": self.pc.localDescription.sdp,
                "publish": self._publish_mids,
            }
        )
        await asyncio.wait_for(asyncio.shield(self._answer), self._negotiation_timeout)

    def stream_map(self) -> dict[str, str]:
        streams = {}
        for sub in self.subscriptions.values():
            streams[sub.stream_id] = sub.publisher_id
            streams[sub.stream_id + SCREEN_SUFFIX] = sub.publisher_id
            for track in sub.tracks:
                streams[track.id] = sub.publisher_id
        return streams

    def hide_streams(self, hidden: set[str]) -> None:
        """Send no video of the streams whose tiles this subscriber reports off its screen (audio goes on)."""
        if not self.adaptation.enabled:
            return  # --adaptation off: everything to everyone, as before
        logger.debug("%s/%s: hidden %s", self.room, self.id, sorted(hidden))
        for sub in self.subscriptions.values():
            for name, track in zip(PUBLISHED, sub.tracks, strict=True):
                stream = sub.stream_id + SCREEN_SUFFIX if name == "screen" else sub.stream_id
                if PUBLISHED[name] == "video" and hasattr(track, "set_hidden"):
                    track.set_hidden(stream in hidden)
        for publisher in self.members.values():
            if publisher is not self:
                publisher.review_camera()  # one shown again resumes now, not at the next review

    def camera_wanted(self) -> bool:
        """Whether anyone receiving this participant's camera may be looking at it.

        Unwanted only when every live viewer's own page has reported the tile hidden, each for at
        least CAMERA_PAUSE_AFTER. A viewer that has reported nothing (just joined, still negotiating,
        its tiles not yet laid out) counts as looking, and so does nobody at all: the first viewer
        then never waits for an encoder to start.
        """
        viewers = [track for track in self.published["video"].subscribers if track.readyState == "live"]
        now = self._clock()
        for track in viewers:
            since = getattr(track, "hidden_since", None)
            if since is None or now - since < CAMERA_PAUSE_AFTER:
                return True
        return not viewers

    def review_camera(self) -> None:
        """Tell this publisher to stop encoding a camera nobody has seen for a while, and to start again at once."""
        if self.closed or not self.adaptation.enabled:
            return
        wanted = self.camera_wanted()
        if wanted != self.camera_paused:
            return  # nothing changed
        self.camera_paused = not wanted
        logger.info("%s/%s: camera %s", self.room, self.id, "resumed" if wanted else "paused (nobody sees it)")
        asyncio.ensure_future(self.send({"type": "camera", "wanted": wanted}))

    def _tell_paused(self, tracks: list) -> None:
        """Tell the page whose camera and whose screen its link cannot carry now (budget.py)."""
        cameras, screens = set(), set()
        for sub in self.subscriptions.values():
            by_name = dict(zip(PUBLISHED, sub.tracks, strict=True))
            if by_name["video"] in tracks:
                cameras.add(sub.publisher_id)
            if by_name["screen"] in tracks:
                screens.add(sub.publisher_id)
        told = (sorted(cameras), sorted(screens))
        if told != self._paused_told and not self.closed:
            self._paused_told = told
            asyncio.ensure_future(self.send({"type": "paused", "cameras": told[0], "screens": told[1]}))

    def desired_publishers(self) -> dict:
        """Session id -> every other live participant of the room, whom this one receives."""
        return {p.session: p for p in self.members.values() if p is not self and not p.closed}

    async def _sync_subscriptions(self) -> None:
        wanted = self.desired_publishers()
        for session in [s for s in self.subscriptions if s not in wanted]:
            sub = self.subscriptions.pop(session)
            for track in sub.tracks:
                track.stop()
                self.adaptation.forget(track)
            for transceiver in sub.transceivers:
                # aiortc cannot recycle m-lines, so a departed publisher's lines go inactive.
                transceiver.direction = "inactive"
                await transceiver.sender.stop()
        for session, publisher in wanted.items():
            if session in self.subscriptions:
                continue
            sub = Subscription(publisher_id=publisher.id, stream_id=f"s{session}")
            for name, kind in PUBLISHED.items():
                track = publisher.published[name].subscribe(f"{sub.stream_id}-{name}")
                transceiver = self.pc.addTransceiver(track, direction="sendonly")
                transceiver.setCodecPreferences(_codec_preferences(kind))
                # aiortc gives all senders of a connection one stream id; the browser
                # groups tracks by it, so each publisher needs its own (and their screen another).
                stream_id = sub.stream_id + SCREEN_SUFFIX if name == "screen" else sub.stream_id
                aiortc_internals.set_stream_id(transceiver.sender, stream_id)
                hook_sender(transceiver.sender, track)
                self.adaptation.watch(transceiver.sender, track)
                sub.transceivers.append(transceiver)
                sub.tracks.append(track)
            self.subscriptions[session] = sub

    async def apply_answer(self, sdp: str) -> None:
        if self._answer is None or self._answer.done():
            raise NegotiationError("no offer is waiting for an answer")
        try:
            await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="answer"))
        except Exception as exc:  # noqa: BLE001 - aiortc raises many types on bad SDP
            raise NegotiationError(f"bad sdp: {exc}") from None
        self._learn_publisher_ssrcs()
        pending, self._pending_candidates = self._pending_candidates, []
        for candidate in pending:
            await self.pc.addIceCandidate(candidate)
        self._answer.set_result(None)

    def _learn_publisher_ssrcs(self) -> None:
        description = SessionDescription.parse(self.pc.remoteDescription.sdp)
        for kind, mid in self._publish_mids.items():
            media = next((m for m in description.media if m.rtp.muxId == mid), None)
            if media is None or not media.ssrc:
                continue
            fid = next((g for g in media.ssrc_group if g.semantic == "FID"), None)
            self.published[kind].media_ssrc = int(fid.items[0]) if fid else media.ssrc[0].ssrc
            # Each SSRC of the line (media and RTX) to its own receiver: the router cannot tell
            # the camera's retransmissions from the screen's by payload type (aiortc_internals).
            receiver = self._publish_transceivers[kind].receiver
            for ssrc in fid.items if fid else [s.ssrc for s in media.ssrc]:
                aiortc_internals.route_ssrc(receiver, int(ssrc))

    async def add_candidate(self, candidate) -> None:
        if candidate is None or not candidate.get("candidate"):
            parsed = None
        else:
            text = candidate["candidate"]
            if not isinstance(text, str):
                raise NegotiationError("candidate must be a string")
            try:
                parsed = candidate_from_sdp(text.split(":", 1)[1] if text.startswith("candidate:") else text)
            except (ValueError, IndexError, AssertionError):
                # aiortc's parser asserts on too few fields.
                raise NegotiationError("malformed candidate") from None
            # Everything is bundled onto the first m-line's transport; aiortc drops
            # candidates addressed to any other mid.
            parsed.sdpMid = self._publish_mids.get("audio", "0")
            parsed.sdpMLineIndex = 0
        if self.pc.remoteDescription is None:
            self._pending_candidates.append(parsed)
        else:
            await self.pc.addIceCandidate(parsed)

    # --- lifecycle -------------------------------------------------------------

    async def _on_connection_state(self) -> None:
        if self.pc.connectionState == "failed" and not self.closed:
            await self.fail("media connection failed")

    async def fail(self, reason: str) -> None:
        await self.send({"type": "error", "error": reason})
        if self.on_failed is not None:
            await self.on_failed(self)
        else:
            await self.close()

    async def close(self, message: dict | None = None) -> None:
        """Stop media and the peer connection; optionally tell the client why first."""
        if self.closed:
            return
        self.closed = True
        if message is not None:
            await self.send(message)
        self.adaptation.close()
        for published in self.published.values():
            published.close()
        for sub in self.subscriptions.values():
            for track in sub.tracks:
                track.stop()
        if self._negotiator is not None and self._negotiator is not asyncio.current_task():
            self._negotiator.cancel()
        received, sent = transport_packets(self.pc)
        self.stats.closed_packets_in += received
        self.stats.closed_packets_out += sent
        try:
            await self.pc.close()
        except Exception:
            logger.exception("closing the peer connection of %s failed", self.id)
        if not self.ws.closed:
            # The close handshake waits for the client; a kick or a replacement
            # must not wait on that, so it finishes in the background.
            self._ws_closer = asyncio.ensure_future(self.ws.close())

    @property
    def forwarded_streams(self) -> int:
        return sum(len(sub.tracks) for sub in self.subscriptions.values())
