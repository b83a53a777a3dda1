"""Registration with the app and the heartbeat loop, signed with the node key."""

import asyncio
import json
import logging
import os
import random

import aiohttp
import psutil

from . import protocol

logger = logging.getLogger(__name__)

MAX_BACKOFF = 30.0


class AppRejected(Exception):
    """The app answered but refused the request (e.g. it forgot this node)."""

    def __init__(self, status: int) -> None:
        super().__init__(f"app answered {status}")
        self.status = status


class AppClient:
    def __init__(self, node) -> None:
        self.node = node
        self.config = node.config
        self.registered = False
        self.heartbeat_interval = self.config.heartbeat_interval
        self._process = psutil.Process(os.getpid())
        self._process.cpu_percent(None)  # the first reading is meaningless; prime it
        self._session: aiohttp.ClientSession | None = None

    async def _post(self, path: str, payload: dict) -> dict:
        body = json.dumps(payload).encode()
        headers = protocol.sign_request(self.config.node_key, self.config.node_id, "POST", path, body)
        headers["Content-Type"] = "application/json"
        async with self._session.post(self.config.app_url + path, data=body, headers=headers) as response:
            if response.status != 200:
                raise AppRejected(response.status)
            data = await response.json(content_type=None)
        if not isinstance(data, dict):
            raise TypeError("app answered something other than a JSON object")
        return data

    def _identity(self) -> dict:
        return {
            "node_id": self.config.node_id,
            "region": self.config.region,
            "public_url": self.config.public_url,
            "version": self.config.version,
            "capacity": self.config.capacity,
            "state": self.node.state,
        }

    def heartbeat_payload(self) -> dict:
        registry = self.node.registry
        packets_in, packets_out = registry.packet_totals()
        return {
            **self._identity(),
            "rooms": registry.room_summary(),
            "participants": registry.participant_count,
            "forwarded_streams": registry.forwarded_streams,
            "packets_in": packets_in,
            "packets_out": packets_out,
            "cpu": self._process.cpu_percent(None),
            **self.node.load_details(),
        }

    def _take_rooms(self, data: dict) -> None:
        rooms = data.get("rooms")
        if isinstance(rooms, list):
            self.node.registry.assigned_rooms = {r for r in rooms if isinstance(r, str)}

    async def register(self) -> None:
        data = await self._post("/api/nodes/register", self._identity())
        interval = data.get("heartbeat_interval")
        if isinstance(interval, (int, float)) and 0.2 <= interval <= 60:
            self.heartbeat_interval = float(interval)
        self._take_rooms(data)
        self.registered = True
        logger.info("registered with %s as %s", self.config.app_url, self.config.node_id)

    async def heartbeat(self) -> None:
        data = await self._post("/api/nodes/heartbeat", self.heartbeat_payload())
        self._take_rooms(data)
        if data.get("state") in ("serving", "draining"):
            self.node.app_requested_state(data["state"])

    async def run(self) -> None:
        """Register, then heartbeat forever; survives any failure of the app."""
        backoff = 0.5
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session:
            self._session = session
            while True:
                try:
                    if not self.registered:
                        await self.register()
                    await self.heartbeat()
                    backoff = 0.5
                    await asyncio.sleep(self.heartbeat_interval)
                except asyncio.CancelledError:
                    raise
                except AppRejected as exc:
                    if exc.status in (401, 404) and self.registered:
                        logger.warning("app forgot this node (%s); registering again", exc.status)
                        self.registered = False
                        continue
                    backoff = await self._back_off(backoff, exc)
                except Exception as exc:  # noqa: BLE001 - the loop must outlive any app failure
                    backoff = await self._back_off(backoff, exc)

    async def _back_off(self, backoff: float, exc: Exception) -> float:
        logger.warning(
            "app unreachable or refused (%s); retrying in %.1fs",
            exc or type(exc).__name__,
            backoff,
        )
        await asyncio.sleep(backoff * (0.8 + 0.4 * random.random()))
        return min(backoff * 2, MAX_BACKOFF)
