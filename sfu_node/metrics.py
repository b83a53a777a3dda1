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
        # The entry process of a multi-worker node (WorkerPool) holds no participants itself.
        participants = registry.participants() if hasattr(registry, "participants") else ()
        yield from subscriber_families(participants)
        yield CounterMetricFamily("parlor_sfu_joins", "Participants admitted", value=node.stats.joins)
        yield CounterMetricFamily(
            "parlor_sfu_refused_joins",
            "Join attempts refused",
            value=node.stats.refused_joins,
        )


def subscriber_families(participants):
    """Per subscriber (room, participant id): what adaptation decided and what its link reported."""
    labels = ["room", "participant"]
    families = {
        "layer": GaugeMetricFamily(
            "parlor_sfu_subscriber_layer", "Highest VP8 temporal layer sent (2: all)", labels=labels
        ),
        "estimate": GaugeMetricFamily(
            "parlor_sfu_subscriber_estimate_bps", "Latest REMB from the subscriber (bits/s)", labels=labels
        ),
        "loss": GaugeMetricFamily(
            "parlor_sfu_subscriber_loss", "Worst fraction lost in its receiver reports", labels=labels
        ),
        "nacks": CounterMetricFamily("parlor_sfu_subscriber_retransmits", "NACKed packets resent", labels=labels),
        "refused": CounterMetricFamily(
            "parlor_sfu_subscriber_retransmits_refused", "NACKs left unanswered over its budget", labels=labels
        ),
        "keyframes": CounterMetricFamily(
            "parlor_sfu_subscriber_keyframe_requests", "Its keyframe requests passed to publishers", labels=labels
        ),
        "paused": GaugeMetricFamily(
            "parlor_sfu_subscriber_videos_paused", "Videos paused because its link cannot carry them", labels=labels
        ),
        "pauses": CounterMetricFamily(
            "parlor_sfu_subscriber_video_pauses", "Times a video was paused for its link", labels=labels
        ),
    }
    for participant in participants:
        adaptation = participant.adaptation
        if not adaptation.enabled:
            continue
        key = [participant.room, participant.id]
        families["layer"].add_metric(key, adaptation.chooser.layer)
        families["estimate"].add_metric(key, adaptation.estimate or 0)
        families["loss"].add_metric(key, adaptation.loss)
        families["nacks"].add_metric(key, adaptation.retransmits.answered)
        families["refused"].add_metric(key, adaptation.retransmits.refused)
        requests = sum(t.keyframe_requests for t in adaptation.tracks)
        families["keyframes"].add_metric(key, requests)
        families["paused"].add_metric(key, len(adaptation.budget.paused))
        families["pauses"].add_metric(key, adaptation.budget.pauses)
    yield from families.values()


def build_registry(node) -> CollectorRegistry:
    # A private registry: nothing global, so several nodes can live in one test process.
    registry = CollectorRegistry(auto_describe=True)
    registry.register(NodeCollector(node))
    return registry
