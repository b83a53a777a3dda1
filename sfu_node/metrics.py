"""Prometheus metrics, read from the live node at scrape time."""

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import CollectorRegistry


class NodeCollector:
    def __init__(self, node) -> None:
        self._node = node

    def collect(self):
        node = self._node
        registry = node.registry
        packets_in, packets_out = registry.packet_totals()
        yield GaugeMetricFamily(
            "parlor_sfu_rooms",
            "Rooms with participants on this node",
            value=len(registry.rooms),
        )
        yield GaugeMetricFamily(
            "parlor_sfu_participants",
            "Connected participants",
            value=registry.participant_count,
        )
        yield GaugeMetricFamily(
            "parlor_sfu_forwarded_streams",
            "Down-tracks (audio and video) being forwarded",
            value=registry.forwarded_streams,
        )
        yield GaugeMetricFamily(
            "parlor_sfu_draining",
            "1 while the node drains",
            value=1 if node.state == "draining" else 0,
        )
        yield CounterMetricFamily("parlor_sfu_packets_in", "Packets received", value=packets_in)
        yield CounterMetricFamily("parlor_sfu_packets_out", "Packets sent", value=packets_out)
        yield CounterMetricFamily(
            "parlor_sfu_keyframe_requests",
            "PLIs sent to publishers (after coalescing)",
            value=node.stats.keyframe_requests,
        )
        yield CounterMetricFamily(
            "parlor_sfu_queue_drops",
            "Frames dropped from lagging subscriber queues",
            value=node.stats.queue_drops,
        )
        yield CounterMetricFamily("parlor_sfu_joins", "Participants admitted", value=node.stats.joins)
        yield CounterMetricFamily(
            "parlor_sfu_refused_joins",
            "Join attempts refused",
            value=node.stats.refused_joins,
        )


def build_registry(node) -> CollectorRegistry:
    # A private registry: nothing global, so several nodes can live in one test process.
    registry = CollectorRegistry(auto_describe=True)
    registry.register(NodeCollector(node))
    return registry
