"""The entry's ``/ws``: read the join, pick the room's worker, relay the WebSocket to it.

Only signaling crosses this relay (the join, SDP offers and answers, ICE candidates,
pings: a few dozen messages per participant per negotiation); media goes between the
browser and the worker over UDP, so the extra local hop costs nothing per packet. The
worker checks the token and the room's rules again exactly as a single-process node
does; the entry adds what must hold across workers (``WorkerPool.place``).
"""

import asyncio
import logging

import aiohttp
from aiohttp import WSMsgType, web

from .control import NODE
from .rooms import JoinRefused
from .signaling import TRANSPORT_MESSAGE_LIMIT, ClientError, read_join, send_error

logger = logging.getLogger(__name__)


async def relay_handler(request: web.Request) -> web.WebSocketResponse:
    node = request.app[NODE]
    pool = node.registry
    ws = web.WebSocketResponse(max_msg_size=TRANSPORT_MESSAGE_LIMIT, heartbeat=20)
    await ws.prepare(request)
    try:
        token, payload = await read_join(node, ws)
        handle = pool.place(payload)
    except (ClientError, JoinRefused) as exc:
        pool.entry_refused_joins += 1
        await send_error(ws, str(exc))
        await ws.close()
        return ws
    with pool.connection(handle, payload):
        try:
            upstream = await handle.session.ws_connect(
                "http://worker/ws", max_msg_size=TRANSPORT_MESSAGE_LIMIT, timeout=aiohttp.ClientWSTimeout(ws_close=2)
            )
        except (aiohttp.ClientError, OSError, TimeoutError):
            logger.warning("worker %d unreachable for %s", handle.index, payload["room"])
            await send_error(ws, "media worker unavailable; reconnect")
            await ws.close()
            return ws
        try:
            await upstream.send_json({"type": "join", "token": token})
            await _pipe(ws, upstream)
        finally:
            await upstream.close()
            await ws.close()
    return ws


async def _pump(source, sink) -> None:
    try:
        async for msg in source:
            if msg.type == WSMsgType.TEXT:
                await sink.send_str(msg.data)
            elif msg.type == WSMsgType.BINARY:
                await sink.send_bytes(msg.data)
            else:
                break
    except (ConnectionError, RuntimeError):
        pass  # the other side went away; _pipe closes both


async def _pipe(client, upstream) -> None:
    """Copy messages both ways until either side closes."""
    tasks = [asyncio.create_task(_pump(client, upstream)), asyncio.create_task(_pump(upstream, client))]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
