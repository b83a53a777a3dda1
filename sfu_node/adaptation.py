"""One subscriber's adaptation loop: its feedback in, a temporal layer for each of its video tracks out,
and which of them are paused because even their base layers do not fit (budget.py)."""

import asyncio
import logging

from aiortc.rtp import RTCP_PSFB_APP, RtcpPsfbPacket, RtcpRrPacket, RtcpSrPacket, unpack_remb_fci

from . import aiortc_internals
from .bandwidth import KEYFRAME_FLOOR_WEAK, SUBSCRIBER_SHARE, LayerChooser, RetransmitBudget
from .budget import VideoBudget

logger = logging.getLogger(__name__)

ADAPT_INTERVAL = 0.5  # seconds between layer decisions


class SubscriberAdaptation:
    """Everything one subscriber receives, fitted to what its link reports."""

    def __init__(self, enabled: bool = True, name: str = "") -> None:
        self.enabled = enabled
        self.name = name  # for the log: room and participant
        self.chooser = LayerChooser()
        self.retransmits = RetransmitBudget()
        self.estimate: float | None = None  # bits per second, the subscriber's latest REMB
        self.loss = 0.0  # worst fraction lost over its video streams' latest receiver reports
        self._loss_by_ssrc: dict[int, float] = {}
        self.tracks: list = []  # its video PacketTracks
        self.budget = VideoBudget()
        self.on_paused = None  # called with the paused video tracks whenever that set changes
        self._task: asyncio.Task | None = None

    def watch(self, sender, track) -> None:
        """Adapt ``track`` (video, sent by ``sender``) from now on."""
        if not self.enabled or getattr(track, "layers", None) is None:
            return
        self.tracks.append(track)
        track.adaptation = self
        aiortc_internals.observe_rtcp(sender, self.on_rtcp)
        aiortc_internals.gate_retransmissions(sender, self.retransmits.allow)
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    def forget(self, track) -> None:
        if track in self.tracks:
            self.tracks.remove(track)

    def on_rtcp(self, packet) -> None:
        if isinstance(packet, RtcpPsfbPacket) and packet.fmt == RTCP_PSFB_APP:
            try:
                bitrate, _ = unpack_remb_fci(packet.fci)
            except ValueError:
                return
            self.estimate = float(bitrate)
            self.retransmits.set_estimate(bitrate)
        elif isinstance(packet, (RtcpRrPacket, RtcpSrPacket)):
            for report in packet.reports:
                self._loss_by_ssrc[report.ssrc] = report.fraction_lost / 256
            self.loss = max(self._loss_by_ssrc.values(), default=0.0)

    def share(self) -> float | None:
        """Bits per second each video this subscriber receives may take, by its estimate (None: unknown)."""
        if self.estimate is None or not self.chooser.weak:
            return None  # a link that is not the limit asks no publisher to hold back
        flowing = sum(1 for t in self._shown() if t.source.layer_rates.up_to(2) > 0)
        return self.estimate * SUBSCRIBER_SHARE / max(flowing, 1)

    def cost(self, layer: int) -> float:
        """Bits per second of layers 0..``layer`` of every video this subscriber is sent."""
        return sum(track.source.layer_rates.up_to(layer) for track in self._shown())

    def _candidates(self) -> list:
        """The videos this subscriber's screen shows: live, and not reported hidden."""
        return [track for track in self.tracks if track.readyState == "live" and not track.hidden]

    def _shown(self) -> list:
        return [track for track in self._candidates() if not track.paused]

    def adapt(self) -> int:
        for track in self.tracks:
            track.source.layer_rates.roll()
        before = self.chooser.layer
        layer = self.chooser.update(self.estimate, self.loss, self.cost, may_rise=not self.budget.paused)
        if self.estimate is not None:
            # A camera that is off, or a screen not shared, sends nothing: it is never paused.
            flowing = [track for track in self._candidates() if track.source.layer_rates.up_to(2) > 0]
            if self.budget.fit(flowing, self.estimate, self.loss, sent=self.cost(layer)):
                self._apply_pauses()
        if layer != before:
            logger.info(
                "%s: layer %d -> %d (estimate %.0f kbit/s, loss %.1f %%, layers 0..%d cost %.0f kbit/s)",
                self.name,
                before,
                layer,
                (self.estimate or 0) / 1000,
                100 * self.loss,
                before,
                self.cost(before) / 1000,
            )
        floor = KEYFRAME_FLOOR_WEAK if self.chooser.held_down else None
        for track in self.tracks:
            track.layers.target = layer
            track.keyframe_floor = floor
        return layer

    def _apply_pauses(self) -> None:
        paused = self.budget.paused
        for track in self.tracks:
            track.set_paused(track in paused)
        logger.info(
            "%s: %d videos paused (estimate %.0f kbit/s, base layers shown %.0f kbit/s)",
            self.name,
            len(paused),
            (self.estimate or 0) / 1000,
            self.cost(0) / 1000,
        )
        if self.on_paused is not None:
            self.on_paused([track for track in self.tracks if track.paused])

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(ADAPT_INTERVAL)
            try:
                self.adapt()
            except Exception:  # one bad decision must not stop adapting for the meeting's rest
                logger.exception("adaptation step failed")

    def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        self.tracks.clear()
        self.budget.clear()
