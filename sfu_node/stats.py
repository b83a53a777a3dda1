"""Counters the node reports in heartbeats, /healthz and /metrics."""

from dataclasses import dataclass

from .aiortc_internals import transport_stats


@dataclass
class NodeStats:
    # Packets of connections already closed; live ones are read from their transports.
    closed_packets_in: int = 0
    closed_packets_out: int = 0
    keyframe_requests: int = 0
    queue_drops: int = 0
    joins: int = 0
    refused_joins: int = 0


def transport_packets(pc) -> tuple[int, int]:
    """Packets received and sent by ``pc``'s transports (RTP, RTCP and DTLS)."""
    received = sent = 0
    transports = {t.receiver.transport for t in pc.getTransceivers()}
    for transport in transports:
        for report in transport_stats(transport).values():
            received += report.packetsReceived
            sent += report.packetsSent
    return received, sent
