"""``/ping``: a tiny WebSocket the lobby uses to measure its round-trip time to this node.

Unauthenticated on purpose (the lobby has no grant yet), so it knows nothing about rooms and
is kept cheap: each text message of a few bytes is sent straight back, a connection gets a few
answers and a few seconds, and the node holds only so many ping sockets at once. The app only
ever uses the result to order candidate nodes, so a client lying to itself gains nothing.
"""

import asyncio
import time

from aiohttp import WSMsgType, web

from .control import NODE

MAX_PING_BYTES = 64
MAX_PINGS = 10  # answers per connection; the lobby sends five
PING_LIFETIME = 10.0  # seconds a ping socket may stay open
MAX_PING_SOCKETS = 64  # at once, for the whole node


class PingSockets:
    """How many ping sockets are open now, across the node."""

    def __init__(self) -> None:
        self.count = 0


PING_SOCKETS = web.AppKey("ping_sockets", PingSockets)


async def ping_handler(request: web.Request) -> web.StreamResponse:
    node = request.app[NODE]
    open_sockets = request.app[PING_SOCKETS]
    if open_sockets.count >= MAX_PING_SOCKETS:
        return web.Response(status=503, text="busy", headers={"Retry-After": "5"})
    ws = web.WebSocketResponse(max_msg_size=1024)
    await ws.prepare(request)
    open_sockets.count += 1
    try:
        await asyncio.wait_for(_answer(ws, node.config.ping_delay), PING_LIFETIME)
    except TimeoutError:
        pass
    finally:
        open_sockets.count -= 1
        await ws.close()
    return ws


async def _answer(ws, delay: float) -> None:
    answered = 0
    started = time.monotonic()
    async for msg in ws:
        if msg.type != WSMsgType.TEXT or len(msg.data) > MAX_PING_BYTES:
            break
        if delay:
            # --ping-delay-ms (tests only): this node pretends to be far away.
            await asyncio.sleep(delay)
        await ws.send_str(msg.data)
        answered += 1
        if answered >= MAX_PINGS or time.monotonic() - started > PING_LIFETIME:
            break
