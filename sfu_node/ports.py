"""UDP port ranges: the node's ``--udp-ports``, split between its media workers.

aioice binds each ICE host candidate with ``create_datagram_endpoint(local_addr=(address, 0))``,
letting the kernel pick any free port; a firewall in front of a node wants a known range instead.
aioice has no option for that, so a worker runs on ``PortRangeLoop``, an event loop whose
datagram endpoints asked for port 0 take the next free port of the worker's own range.
Nothing else binds UDP on port 0 in a node, so nothing else is affected.
"""

import asyncio
import errno


class PortRangeError(ValueError):
    """A port range that cannot be used as given."""


def parse_port_range(value: str) -> tuple[int, int]:
    """``"40000-40999"`` into ``(40000, 40999)``, both ends included."""
    low, sep, high = value.partition("-")
    if not sep or not (low.isascii() and low.isdigit() and high.isascii() and high.isdigit()):
        raise PortRangeError(f"expected LOW-HIGH, got {value!r}")
    first, last = int(low), int(high)
    if not 1024 <= first <= last <= 65535:
        raise PortRangeError("ports must satisfy 1024 <= LOW <= HIGH <= 65535")
    return first, last


def split_port_range(ports: tuple[int, int] | None, parts: int) -> list[tuple[int, int] | None]:
    """``parts`` contiguous, disjoint slices of ``ports``, as even as integers allow.

    Worker ``i`` gets ``LOW + i*size//parts`` up to the next slice's start; with no range,
    every worker binds wherever the kernel says, as a node without ``--udp-ports`` always has.
    """
    if ports is None:
        return [None] * parts
    first, last = ports
    size = last - first + 1
    if size < parts:
        raise PortRangeError(f"{size} ports cannot be split between {parts} workers")
    bounds = [first + i * size // parts for i in range(parts + 1)]
    return [(bounds[i], bounds[i + 1] - 1) for i in range(parts)]


class PortRangeLoop(asyncio.SelectorEventLoop):
    """An event loop binding port-0 UDP endpoints within ``ports`` (round robin, skipping used ones)."""

    def __init__(self, ports: tuple[int, int]) -> None:
        super().__init__()
        self.ports = ports
        self._next = ports[0]

    def _candidates(self):
        first, last = self.ports
        size = last - first + 1
        start = self._next - first
        for offset in range(size):
            yield first + (start + offset) % size

    async def create_datagram_endpoint(self, protocol_factory, local_addr=None, **kwargs):
        if local_addr is None or local_addr[1] != 0:
            return await super().create_datagram_endpoint(protocol_factory, local_addr=local_addr, **kwargs)
        host = local_addr[0]
        for port in self._candidates():
            try:
                endpoint = await super().create_datagram_endpoint(protocol_factory, local_addr=(host, port), **kwargs)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            self._next = port + 1 if port < self.ports[1] else self.ports[0]
            return endpoint
        raise OSError(errno.EADDRINUSE, f"no free UDP port in {self.ports[0]}-{self.ports[1]} on {host}")


def run(coro, ports: tuple[int, int] | None):
    """``asyncio.run(coro)``, on a ``PortRangeLoop`` when there is a range."""
    if ports is None:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=lambda: PortRangeLoop(ports)) as runner:
        return runner.run(coro)
