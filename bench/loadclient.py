"""Load-generator participants: replay pre-encoded VP8, count frames without decoding."""

import asyncio
import fractions
import json
import statistics
import time

import aiohttp
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.codecs.vpx import VpxPayloadDescriptor
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcconfiguration import RTCBundlePolicy

from sfu_node.participant import SCREEN_SUFFIX

from .clip import FPS

VIDEO_CLOCK = fractions.Fraction(1, 90000)


class ReplayTrack(MediaStreamTrack):
    """Paced replay of an encoded clip; a keyframe request restarts it at its keyframe."""

    kind = "video"

    def __init__(self, frames: list[bytes]) -> None:
        super().__init__()
        self._frames = frames
        self._index = 0
        self._sent = 0
        self._start: float | None = None
        self.keyframes_sent = 0

    def request_keyframe(self) -> None:
        self._index = 0

    async def recv(self) -> av.Packet:
        if self._start is None:
            self._start = time.monotonic()
        delay = self._start + self._sent / FPS - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        data = self._frames[self._index]
        self.keyframes_sent += self._index == 0
        # After the end, loop over the deltas only: keyframes come from requests alone.
        self._index = self._index + 1 if self._index + 1 < len(self._frames) else 1
        packet = av.Packet(data)
        packet.pts = self._sent * (90000 // FPS)
        packet.time_base = VIDEO_CLOCK
        self._sent += 1
        return packet


class FrameCounter:
    """Stands in for a receiver's RTP handling: counts frames, keyframes and freezes."""

    def __init__(self) -> None:
        self.packets = 0
        self.frames = 0
        self.keyframes = 0
        self.freezes = 0
        self._last_timestamp = None
        self._last_arrival = None
        self._mean_gap = 1 / FPS
        self.payload_type = None

    async def handle(self, packet, arrival_time_ms: int = 0) -> None:
        if self.payload_type is None:
            self.payload_type = packet.payload_type
        if packet.payload_type != self.payload_type:
            return  # retransmissions
        self.packets += 1
        if packet.timestamp == self._last_timestamp:
            return
        self._last_timestamp = packet.timestamp
        now = time.monotonic()
        if self._last_arrival is not None:
            gap = now - self._last_arrival
            # WebRTC's freeze rule: a gap above 3x the mean frame interval and above mean + 150 ms.
            if gap > max(3 * self._mean_gap, self._mean_gap + 0.150):
                self.freezes += 1
            self._mean_gap = 0.95 * self._mean_gap + 0.05 * gap
        self._last_arrival = now
        self.frames += 1
        try:
            descriptor, data = VpxPayloadDescriptor.parse(packet.payload)
        except ValueError:
            return
        if descriptor.partition_start and descriptor.partition_id == 0 and data and not data[0] & 1:
            self.keyframes += 1

    def snapshot(self) -> tuple[int, int, int]:
        return self.frames, self.keyframes, self.freezes


class BenchClient:
    """One participant speaking the node's WebSocket protocol through aiortc."""

    def __init__(
        self,
        name: str,
        ws_url: str,
        token: str,
        clip: list[bytes] | None,
        publishers: set[str],
    ) -> None:
        self.name = name
        self.publishers = publishers - {name}
        self.ws_url = ws_url
        self.token = token
        self.track = ReplayTrack(clip) if clip else None
        # Under aiortc's default "balanced" policy, the second and later video
        # m-lines stay on a transport that BUNDLE then discards: no video arrives.
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.counters: dict[str, FrameCounter] = {}  # by mid, only for publishers' video
        self.streams: dict[str, str] = {}  # msid stream id -> participant, from the node
        self.errors: list[str] = []
        self._ws = None
        self._task = None

    async def start(self, session: aiohttp.ClientSession) -> None:
        self._ws = await session.ws_connect(self.ws_url, max_msg_size=0)
        await self._ws.send_json({"type": "join", "token": self.token})
        self._task = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        async for msg in self._ws:
            message = json.loads(msg.data)
            if message["type"] == "streams":
                self.streams.update(message["streams"])
            elif message["type"] == "offer":
                await self._answer(message)
            elif message["type"] == "error":
                self.errors.append(message["error"])

    async def _answer(self, message: dict) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=message["sdp"], type="offer"))
        publish = message.get("publish", {})
        owners = video_owners(message["sdp"], self.streams)
        for transceiver in self.pc.getTransceivers():
            if transceiver.mid == publish.get("video"):
                if self.track is not None and transceiver.sender.track is None:
                    transceiver.direction = "sendonly"
                    transceiver.sender.replaceTrack(self.track)
                    transceiver.sender._send_keyframe = self.track.request_keyframe
            elif owners.get(transceiver.mid) in self.publishers and transceiver.mid not in self.counters:
                counter = self.counters[transceiver.mid] = FrameCounter()
                # Count instead of reassembling and decoding: the load generator
                # must stay cheap, the node is what is measured.
                transceiver.receiver._handle_rtp_packet = counter.handle
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        await self._ws.send_json({"type": "answer", "sdp": self.pc.localDescription.sdp})

    def receiving(self, expected: int) -> bool:
        return sum(1 for c in self.counters.values() if c.frames > 0) >= expected

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
        await self.pc.close()


def video_owners(sdp: str, streams: dict[str, str]) -> dict[str, str]:
    """mid -> participant for each camera video m-line the node sends, from its msid."""
    owners, kind, mid = {}, None, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            kind, mid = line[2:].split(" ", 1)[0], None
        elif line.startswith("a=mid:"):
            mid = line[6:]
        elif line.startswith("a=msid:") and kind == "video":
            stream = line[7:].split(" ", 1)[0]
            # A publisher's screen line idles until they share: counting it would read as a freeze.
            if not stream.endswith(SCREEN_SUFFIX):
                owners[mid] = streams.get(stream)
    return owners


def summarize_fps(rates: list[float]) -> dict:
    if not rates:
        return {"min": 0.0, "median": 0.0}
    return {"min": min(rates), "median": statistics.median(rates)}
