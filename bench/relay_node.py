"""Baseline for the benchmark only: the node with aiortc's MediaRelay in place of forwarding.

Every subscriber then gets decoded frames re-encoded by its own sender, which is
what an aiortc server does out of the box. Run as ``python -m bench.relay_node``
with the node's usual options; the swap below only affects this process.
"""

import asyncio
import sys

from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from sfu_node import __main__ as node_main
from sfu_node import participant

RELAY = MediaRelay()


class RelayedTrack(MediaStreamTrack):
    def __init__(self, source: "RelayPublishedTrack", track_id: str) -> None:
        super().__init__()
        self.kind = source.kind
        self._id = track_id
        self.source = source
        self._proxy = None

    async def recv(self):
        # The publisher's remote track exists only once its answer is applied.
        while self._proxy is None:
            if self.readyState != "live":
                raise MediaStreamError
            receiver = self.source.receiver
            if receiver is not None and receiver.track is not None:
                self._proxy = RELAY.subscribe(receiver.track, buffered=False)
            else:
                await asyncio.sleep(0.05)
        return await self._proxy.recv()

    def stop(self) -> None:
        super().stop()
        if self._proxy is not None:
            self._proxy.stop()


class RelayPublishedTrack:
    def __init__(self, kind: str, stats, packets: bool = False) -> None:
        self.kind = kind
        self.stats = stats
        self.media_ssrc = None
        self.receiver = None
        self.subscribers: set[RelayedTrack] = set()

    def attach(self, receiver) -> None:
        self.receiver = receiver  # no tap: the receiver decodes as stock aiortc does

    def subscribe(self, track_id: str) -> RelayedTrack:
        track = RelayedTrack(self, track_id)
        self.subscribers.add(track)
        return track

    def request_keyframe(self) -> None:
        pass  # each subscriber's own encoder starts with a keyframe

    def close(self) -> None:
        for track in tuple(self.subscribers):
            track.stop()


if __name__ == "__main__":
    participant.PublishedTrack = RelayPublishedTrack
    sys.exit(node_main.main())
