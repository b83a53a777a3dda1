"""Someone at the node: a valid join token, so the node serves every stream, but no media keys.

The eavesdropper speaks the node's WebSocket protocol through aiortc like any participant,
publishes nothing and takes no part in the key exchange (that runs over the app's Socket.IO,
which it never joins). It keeps each forwarded frame as the node sent it, and tries to decode
them with PyAV the way any player would.
"""

import array
import asyncio
import json
import subprocess
import sys
import threading

import aiohttp
import av
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.rtcconfiguration import RTCBundlePolicy

from sfu_node import aiortc_internals, protocol

from .services import ROOT

IV_LENGTH = 12


def _in_app(live_server, code, *args):
    """Run ``code`` inside the live app (``app`` and ``db`` given), return what it printed last."""
    prelude = (
        "import sys; import sqlalchemy as sa; from app import create_app; from app.extensions import db; "
        "from app.rooms.models import Room; app = create_app()\n"
        "with app.app_context():\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", prelude + code, *args],
        cwd=ROOT,
        env=live_server.env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout.strip().splitlines()[-1] if result.stdout.strip() else ""


def room_id(live_server, name):
    """The database id of a room of the live app (the node knows rooms by it)."""
    code = "    print(db.session.scalar(sa.select(Room.id).where(Room.name == sys.argv[1])))\n"
    return int(_in_app(live_server, code, name))


def allow_unencrypted(live_server, name):
    """The owner's setting, as /user/rooms saves it (that page has tests of its own)."""
    code = (
        "    db.session.execute(sa.update(Room).where(Room.name == sys.argv[1]).values(allow_unencrypted=True))\n"
        "    db.session.commit()\n"
    )
    _in_app(live_server, code, name)


def node_token(node, room, participant="eavesdropper"):
    """A join token as the node's operator could sign it with the node's own key."""
    return protocol.make_join_token(
        node.key, room=f"room-{room}", participant=participant, name="Eavesdropper", node=node.node_id
    )


class _Keep:
    """Stands in for a receiver's decoder queue: keeps every encoded frame, decodes nothing."""

    def __init__(self, frames):
        self.frames = frames

    def put(self, item):
        if item is not None:
            self.frames.append(bytes(item[1].data))

    def get(self):
        return None


class Eavesdropper:
    def __init__(self, ws_url, token):
        self.ws_url = ws_url
        self.token = token
        self.pc = RTCPeerConnection(RTCConfiguration(bundlePolicy=RTCBundlePolicy.MAX_BUNDLE))
        self.streams = {}  # msid stream id -> participant, as the node announces them
        self.frames = {}  # (participant, kind, mid) -> [encoded frame, ...]
        self.errors = []
        self._ws = None
        self._task = None

    async def start(self, session):
        self._ws = await session.ws_connect(self.ws_url, max_msg_size=0)
        await self._ws.send_json({"type": "join", "token": self.token})
        self._task = asyncio.ensure_future(self._read())

    async def _read(self):
        async for msg in self._ws:
            message = json.loads(msg.data)
            if message["type"] == "streams":
                self.streams.update(message["streams"])
            elif message["type"] == "offer":
                await self._answer(message["sdp"])
            elif message["type"] == "error":
                self.errors.append(message["error"])

    async def _answer(self, sdp):
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        owners = stream_owners(sdp, self.streams)
        for transceiver in self.pc.getTransceivers():
            key = (owners.get(transceiver.mid), transceiver.kind, transceiver.mid)
            if key[0] is None or key in self.frames:
                continue
            self.frames[key] = []
            aiortc_internals.tap_decoder_queue(transceiver.receiver, _Keep(self.frames[key]))
        answer = await self.pc.createAnswer()
        await self.pc.setLocalDescription(answer)
        await self._ws.send_json({"type": "answer", "sdp": self.pc.localDescription.sdp})

    def of(self, kind, participant=None):
        """Every frame of one kind, from one participant or from all."""
        return [
            frame
            for (owner, frame_kind, _mid), frames in list(self.frames.items())  # the listener adds as we read
            if frame_kind == kind and participant in (None, owner)
            for frame in list(frames)
        ]

    async def close(self):
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            self._task.cancel()
        await self.pc.close()


def stream_owners(sdp, streams):
    """mid -> participant for each m-line the node sends, from its msid."""
    owners, mid = {}, None
    for line in sdp.splitlines():
        if line.startswith("m="):
            mid = None
        elif line.startswith("a=mid:"):
            mid = line[6:]
        elif line.startswith("a=msid:"):
            owners[mid] = streams.get(line[7:].split(" ", 1)[0])
    return owners


def key_index(frame):
    """The key index in a sealed frame's trailer, or None for a frame without one."""
    return frame[-1] if len(frame) > IV_LENGTH + 2 and frame[-2] == IV_LENGTH else None


def is_keyframe_header(frame):
    """Whether a VP8 frame's first bytes are a keyframe's (RFC 6386 9.1), as the node reads them."""
    return len(frame) >= 10 and not frame[0] & 1 and frame[3:6] == b"\x9d\x01\x2a"


def audible(samples, refused, packets):
    """Whether Opus frames decoded to sound: nearly all accepted, at a level recorded sound has.

    Encoded speech (or the test camera's beep) decodes with no refusals to samples within -1..1;
    random bytes are refused often and decode, when at all, to values no microphone makes.
    """
    level = loudness(samples)
    return refused <= packets * 0.05 and 1e-4 < level <= 1.0


def decode_video(frames):
    """The pictures PyAV's VP8 decoder makes of these frames, and how many frames it refused."""
    codec = av.CodecContext.create("vp8", "r")
    pictures, errors = [], 0
    for data in frames:
        try:
            pictures.extend(codec.decode(av.Packet(data)))
        except av.FFmpegError:
            errors += 1
    return pictures, errors


def loudness(samples):
    """Root mean square of the samples: near 0 is silence."""
    return (sum(x * x for x in samples) / len(samples)) ** 0.5 if samples else 0.0


def decode_audio(frames):
    """The samples PyAV's Opus decoder makes of these frames (first channel, float), and its error count."""
    codec = av.CodecContext.create("opus", "r")
    samples, errors = array.array("f"), 0
    for data in frames:
        try:
            for chunk in codec.decode(av.Packet(data)):
                samples.extend(array.array("f", bytes(chunk.planes[0])[: chunk.samples * 4]))
        except av.FFmpegError:
            errors += 1
    return samples, errors


class Listening:
    """An eavesdropper on a thread of its own (the browser tests drive Playwright on theirs)."""

    def __init__(self, ws_url, token):
        self.eavesdropper = Eavesdropper(ws_url, token)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=20)
        return self.eavesdropper

    async def _start(self):
        self._session = aiohttp.ClientSession()
        await self.eavesdropper.start(self._session)

    async def _stop(self):
        await self.eavesdropper.close()
        await self._session.close()

    def __exit__(self, *exc):
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(timeout=20)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
