"""A userspace UDP shaping proxy: a bad network link in front of a real TURN server.

This machine's kernel has no ``netem`` and Debian's Chromium ignores WebRTC's fake-network
field trials, so a constrained participant reaches coturn through this proxy instead (relay-only
ICE, its TURN URL pointed here; see ``relay_through``). Each client address gets its own upstream
socket to the TURN server, so coturn sees one client per browser socket as it would on a real
network. Both directions are shaped independently:

- rate: a token bucket drains a FIFO queue at ``rate_kbps``; a packet that would wait longer than
  ``queue_ms`` is dropped at the tail (a router's buffer, not an infinite one);
- loss: independent random loss ``loss``, plus Gilbert-Elliott bursts (``burst_enter`` is the
  chance per packet of entering a bad spell, ``burst_leave`` of leaving it; all lost while bad);
- delay ``delay_ms`` plus uniform jitter ``jitter_ms``, never reordering (a packet leaves no
  earlier than the one before it, like a single queue).
"""

import asyncio
import random
import threading
from dataclasses import dataclass, field


@dataclass(frozen=True)
class LinkProfile:
    rate_kbps: float | None = None
    queue_ms: float = 300.0
    loss: float = 0.0
    burst_enter: float = 0.0
    burst_leave: float = 0.5
    delay_ms: float = 0.0
    jitter_ms: float = 0.0


@dataclass
class LinkCounters:
    packets_in: int = 0
    lost: int = 0
    queue_drops: int = 0
    packets_out: int = 0
    bytes_out: int = 0


@dataclass
class Link:
    """One direction of the emulated link, on the proxy's event loop."""

    profile: LinkProfile
    rng: random.Random
    counters: LinkCounters = field(default_factory=LinkCounters)
    _free_at: float = 0.0  # when the bottleneck finishes sending what is queued
    _last_delivery: float = 0.0
    _bad: bool = False

    def send(self, loop: asyncio.AbstractEventLoop, data: bytes, deliver) -> None:
        profile, counters = self.profile, self.counters
        counters.packets_in += 1
        if self._bad:
            self._bad = self.rng.random() >= profile.burst_leave
        elif profile.burst_enter and self.rng.random() < profile.burst_enter:
            self._bad = True
        if self._bad or (profile.loss and self.rng.random() < profile.loss):
            counters.lost += 1
            return
        now = loop.time()
        departure = now
        if profile.rate_kbps:
            start = max(now, self._free_at)
            if start - now > profile.queue_ms / 1000:
                counters.queue_drops += 1
                return
            departure = start + len(data) * 8 / (profile.rate_kbps * 1000)
            self._free_at = departure
        arrival = departure + profile.delay_ms / 1000
        if profile.jitter_ms:
            arrival += self.rng.uniform(0, profile.jitter_ms / 1000)
        arrival = max(arrival, self._last_delivery)
        self._last_delivery = arrival
        counters.packets_out += 1
        counters.bytes_out += len(data)
        loop.call_at(arrival, deliver, data)


class _Upstream(asyncio.DatagramProtocol):
    """The proxy's socket towards the TURN server for one client address."""

    def __init__(self, proxy: "ShapingProxy", client) -> None:
        self.proxy = proxy
        self.client = client
        self.transport = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data, addr) -> None:
        self.proxy.downlink.send(self.proxy.loop, data, lambda d: self.proxy.front.sendto(d, self.client))


class _Front(asyncio.DatagramProtocol):
    def __init__(self, proxy: "ShapingProxy") -> None:
        self.proxy = proxy

    def datagram_received(self, data, addr) -> None:
        self.proxy.from_client(data, addr)


class ShapingProxy:
    """UDP proxy to ``target`` shaping ``uplink`` (client -> target) and ``downlink``; runs on its own thread."""

    def __init__(self, target: tuple[str, int], uplink=LinkProfile(), downlink=LinkProfile(), seed: int = 1) -> None:
        self.target = target
        rng = random.Random(seed)
        self.uplink = Link(uplink, random.Random(rng.random()))
        self.downlink = Link(downlink, random.Random(rng.random()))
        self.loop = asyncio.new_event_loop()
        self.front = None
        self.port = None
        self._upstreams: dict = {}
        self._pending: dict = {}
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> "ShapingProxy":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._open(), self.loop).result(10)
        return self

    async def _open(self) -> None:
        self.front, _ = await self.loop.create_datagram_endpoint(lambda: _Front(self), local_addr=("127.0.0.1", 0))
        self.port = self.front.get_extra_info("sockname")[1]

    def from_client(self, data: bytes, client) -> None:
        upstream = self._upstreams.get(client)
        if upstream is None:
            # The first packet of a new client waits for its upstream socket (a few microseconds).
            self._pending.setdefault(client, []).append(data)
            if len(self._pending[client]) == 1:
                self.loop.create_task(self._connect(client))
            return
        self.uplink.send(self.loop, data, upstream.transport.sendto)

    async def _connect(self, client) -> None:
        _, upstream = await self.loop.create_datagram_endpoint(lambda: _Upstream(self, client), remote_addr=self.target)
        self._upstreams[client] = upstream
        for data in self._pending.pop(client, []):
            self.uplink.send(self.loop, data, upstream.transport.sendto)

    def set_profiles(self, uplink: LinkProfile | None = None, downlink: LinkProfile | None = None) -> None:
        """Change the link's conditions while it runs (e.g. after the meeting has settled)."""

        def apply():
            if uplink is not None:
                self.uplink.profile = uplink
            if downlink is not None:
                self.downlink.profile = downlink

        self.loop.call_soon_threadsafe(apply)

    def counters(self) -> dict:
        return {"uplink": vars(self.uplink.counters).copy(), "downlink": vars(self.downlink.counters).copy()}

    def stop(self) -> None:
        def close():
            for upstream in self._upstreams.values():
                upstream.transport.close()
            if self.front is not None:
                self.front.close()
            self.loop.stop()

        self.loop.call_soon_threadsafe(close)
        self._thread.join(5)


# An init script for a page that must reach everything through the proxy: relay-only ICE, and
# every TURN URL the app hands out pointed at the proxy (same credentials; coturn checks only
# those). Registered after CAPTURE_PEER_CONNECTIONS, so the captured class is the one wrapped.
RELAY_THROUGH = """
(() => {
  const port = %d;
  const Original = window.RTCPeerConnection;
  const point = (url) => url.replace(/^turns?:[^?]*/, () => `turn:127.0.0.1:${port}`);
  window.RTCPeerConnection = class extends Original {
    constructor(config = {}, ...rest) {
      const servers = (config.iceServers || []).map((server) => {
        const urls = [].concat(server.urls).filter((url) => /^turn:/.test(url)).map(point);
        return Object.assign({}, server, { urls });
      }).filter((server) => server.urls.length);
      super(Object.assign({}, config, { iceServers: servers, iceTransportPolicy: "relay" }), ...rest);
    }
  };
})();
"""


def relay_through(proxy: ShapingProxy) -> str:
    """The init script that sends a page's WebRTC through ``proxy`` only."""
    return RELAY_THROUGH % proxy.port
