"""The node process: HTTP server, app client, registry, drain and shutdown."""

import asyncio
import logging
import signal

from aiohttp import web

from . import control, ping, signaling
from .appclient import AppClient
from .config import NodeConfig
from .control import NonceCache
from .metrics import build_registry
from .rooms import Registry
from .stats import NodeStats

logger = logging.getLogger(__name__)


class Node:
    """A node in one process; ``entry.EntryNode`` is the same node spread over worker processes."""

    websocket_handler = staticmethod(signaling.websocket_handler)

    def __init__(self, config: NodeConfig, registry=None) -> None:
        self.config = config
        self.stats = NodeStats()
        self.registry = registry if registry is not None else Registry(config, self.stats)
        self.nonces = NonceCache()
        self.app_client = AppClient(self)
        self.metrics_registry = build_registry(self)
        self.terminating = False
        self._app_draining = False
        self._stop = asyncio.Event()

    async def start_media(self) -> None:
        """Nothing to start: this process forwards the media itself."""

    def load_details(self) -> dict:
        """Load beyond the registry's totals, for heartbeats and /healthz (none in one process)."""
        return {}

    @property
    def state(self) -> str:
        return "draining" if self.registry.draining else "serving"

    def app_requested_state(self, state: str) -> None:
        """The app may drain a node (and undo that); SIGTERM's drain is final."""
        self._app_draining = state == "draining"
        if not self.terminating and self.registry.draining != self._app_draining:
            logger.info("app set state %s", state)
            self.registry.draining = self._app_draining

    def begin_drain(self) -> None:
        if self.terminating:
            # A second SIGTERM means the operator is done waiting.
            logger.info("second SIGTERM: stopping now")
            self._stop.set()
            return
        logger.info(
            "SIGTERM: draining (no new rooms), exiting when empty or after %.0fs",
            self.config.drain_grace,
        )
        self.terminating = True
        self.registry.draining = True
        asyncio.ensure_future(self._exit_when_drained())

    async def _exit_when_drained(self) -> None:
        try:
            await asyncio.wait_for(self.registry.emptied.wait(), self.config.drain_grace)
        except TimeoutError:
            logger.info(
                "drain grace period over with %d participants left",
                self.registry.participant_count,
            )
        # One last heartbeat tells the app we are going before we vanish.
        try:
            await asyncio.wait_for(self.app_client.heartbeat(), 2)
        except Exception as exc:  # noqa: BLE001 - exiting regardless; the app notices silence
            logger.info("final heartbeat failed: %s", exc)
        self._stop.set()

    def build_app(self) -> web.Application:
        """The public listener: browsers' WebSockets (media and ping), the app's signed control requests."""
        app = web.Application(client_max_size=64 * 1024)
        app[control.NODE] = self
        app[control.METRICS_TOKEN] = self.config.metrics_token
        app[ping.PING_SOCKETS] = ping.PingSockets()
        app.router.add_get("/ws", self.websocket_handler)
        app.router.add_get("/ping", ping.ping_handler)
        app.router.add_post("/control/kick", control.kick)
        app.router.add_post("/control/close-room", control.close_room)
        if self.config.metrics_token:
            self._add_metrics_routes(app)
        return app

    def build_metrics_app(self) -> web.Application:
        """The local listener: /healthz and /metrics (token-free unless a token is set)."""
        app = web.Application(client_max_size=1024)
        app[control.NODE] = self
        app[control.METRICS_TOKEN] = self.config.metrics_token
        self._add_metrics_routes(app)
        return app

    @staticmethod
    def _add_metrics_routes(app: web.Application) -> None:
        app.router.add_get("/healthz", control.healthz)
        app.router.add_get("/metrics", control.metrics)

    async def _start_site(self, app: web.Application, host: str, port: int) -> web.AppRunner:
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        return runner

    async def run(self) -> None:
        await self.start_media()
        runners = [await self._start_site(self.build_app(), self.config.listen_host, self.config.listen_port)]
        logger.info(
            "node %s listening on %s:%d (public %s)",
            self.config.node_id,
            self.config.listen_host,
            self.config.listen_port,
            self.config.public_url,
        )
        if self.config.metrics_listen:
            host, port = self.config.metrics_listen
            runners.append(await self._start_site(self.build_metrics_app(), host, port))
            logger.info("/healthz and /metrics on %s:%d", host, port)
        if self.config.metrics_token:
            logger.info("/healthz and /metrics on the public listener for the metrics token")
        elif not self.config.metrics_listen:
            logger.info("no --metrics-listen and no metrics token: /healthz and /metrics are off")
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self.begin_drain)
        loop.add_signal_handler(signal.SIGINT, self._stop.set)
        heartbeat = asyncio.create_task(self.app_client.run())
        try:
            await self._stop.wait()
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            await self.registry.close_all()
            for runner in runners:
                await runner.cleanup()
            logger.info("node %s stopped", self.config.node_id)
