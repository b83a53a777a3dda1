"""A node of several media workers (``--workers N``, N > 1): the public entry process.

It is a ``server.Node`` whose registry is a ``pool.WorkerPool``: it registers and
heartbeats with the app as one node (with each worker's load alongside), answers the
app's signed control requests by passing them to every worker, serves /ping, /healthz
and /metrics, and relays each client's signaling WebSocket to the worker of its room.
"""

import psutil
from prometheus_client.core import GaugeMetricFamily

from . import relay
from .config import NodeConfig
from .pool import WorkerPool
from .server import Node


class EntryNode(Node):
    websocket_handler = staticmethod(relay.relay_handler)

    def __init__(self, config: NodeConfig, log_level: str = "INFO") -> None:
        super().__init__(config, registry=WorkerPool(config, log_level))
        self.metrics_registry.register(WorkerCollector(self.registry))
        self._own = psutil.Process()
        self._own.cpu_percent(None)

    @property
    def stats(self):
        return self.registry.stats

    @stats.setter
    def stats(self, _value) -> None:
        pass  # Node.__init__ sets one; the workers keep the real counters

    async def start_media(self) -> None:
        await self.registry.start()

    def load_details(self) -> dict:
        workers = self.registry.reports()
        # Percent of one core, summed over the entry and its workers, as a single process reports it.
        cpu = self._own.cpu_percent(None) + sum(w["cpu"] for w in workers)
        return {"cpu": round(cpu, 1), "workers": workers}


class WorkerCollector:
    """Per-worker gauges, labelled ``worker``; node-wide totals stay unlabelled as before."""

    def __init__(self, pool: WorkerPool) -> None:
        self._pool = pool

    def collect(self):
        families = {
            "participants": GaugeMetricFamily(
                "parlor_sfu_worker_participants", "Connected participants per media worker", labels=["worker"]
            ),
            "rooms": GaugeMetricFamily("parlor_sfu_worker_rooms", "Rooms per media worker", labels=["worker"]),
            "forwarded_streams": GaugeMetricFamily(
                "parlor_sfu_worker_forwarded_streams", "Down-tracks per media worker", labels=["worker"]
            ),
            "cpu": GaugeMetricFamily(
                "parlor_sfu_worker_cpu_percent", "CPU of each media worker (percent of one core)", labels=["worker"]
            ),
            "restarts": GaugeMetricFamily(
                "parlor_sfu_worker_restarts", "Times each media worker was restarted", labels=["worker"]
            ),
        }
        up = GaugeMetricFamily("parlor_sfu_worker_up", "1 while a media worker serves", labels=["worker"])
        for report in self._pool.reports():
            label = [str(report["index"])]
            for name, family in families.items():
                family.add_metric(label, report[name])
            up.add_metric(label, 1 if report["state"] in ("serving", "draining") else 0)
        yield from families.values()
        yield up
