"""VP8 temporal layers per subscriber: which packets go out, and in what numbering.

A publisher sending L1T3 tags every frame with a temporal layer id (TID 0, 1 or 2) in the VP8
payload descriptor; a frame of layer n references only frames of layers up to n, so a subscriber
can be sent layers 0..k alone (a quarter, a half or all of the frame rate). The descriptor is
written by the packetizer outside the encoded frame, so frame encryption leaves it readable and
rewritable.

What the subscriber must not see is a gap it cannot explain (RFC 7741 and libwebrtc's
RtpVp8RefFinder): a skipped sequence number is NACKed for ever, and a skipped picture id makes
the decoder wait for a frame that never comes. So the frames we drop are taken out of both
numberings: each later packet's sequence number and picture id are shifted down by the number
of packets and frames dropped before it. A packet lost upstream keeps its slot (the publisher's
retransmission fills it late); if it turns out to belong to a dropped layer, an empty packet
(padding, which libwebrtc's packet buffer accepts as filler) takes its place.

Switching down happens at the next frame; switching up waits for a frame of the wanted layer
that has the layer-sync bit (Y: it references only the base layer), or a keyframe.
"""

import bisect

# How far back (in packets, frames) a late packet is still placed; older ones are dropped.
REORDER_WINDOW = 1024
SEQ_MOD = 1 << 16
PICTURE_ID_MOD = 1 << 15
ALL_LAYERS = 2  # L1T3: TIDs 0, 1, 2


def unwrap(value: int, reference: int, modulus: int) -> int:
    """``value`` (mod ``modulus``) as the integer nearest ``reference``."""
    delta = (value - reference) % modulus
    return reference + delta if delta < modulus // 2 else reference + delta - modulus


class Renumbering:
    """Maps extended publisher numbers to subscriber numbers, minus what was dropped before them."""

    __slots__ = ("offset", "first", "highest", "_dropped", "_pruned")

    def __init__(self) -> None:
        self.offset = 0
        self.first = None
        self.highest = None
        self._dropped: list[int] = []
        self._pruned = 0

    def restart(self, number: int, first_out: int) -> None:
        """Map ``number`` to ``first_out``; nothing before it counts any more."""
        self.offset = first_out - number
        self.first = self.highest = number
        self._dropped.clear()
        self._pruned = 0

    @property
    def identity(self) -> bool:
        """Whether every number maps to itself (nothing to rewrite)."""
        return self.offset == 0 and not self._dropped and not self._pruned

    def advance(self, number: int) -> None:
        if number > self.highest:
            self.highest = number

    def drop(self, number: int) -> None:
        """``number`` (the newest so far) will never be sent: later ones close up over it."""
        if not self._dropped or self._dropped[-1] != number:
            self._dropped.append(number)
        if len(self._dropped) > 64 and self._dropped[0] < self.highest - REORDER_WINDOW:
            cut = bisect.bisect_left(self._dropped, self.highest - REORDER_WINDOW)
            self._pruned += cut
            del self._dropped[:cut]

    def was_dropped(self, number: int) -> bool:
        index = bisect.bisect_left(self._dropped, number)
        return index < len(self._dropped) and self._dropped[index] == number

    def out(self, number: int) -> int:
        return number + self.offset - self._pruned - bisect.bisect_left(self._dropped, number)

    def out_newest(self, number: int) -> int:
        """``out`` for a number above everything dropped so far (no search)."""
        return number + self.offset - self._pruned - len(self._dropped)


class TemporalLayerFilter:
    """One subscriber's view of one publisher's VP8 packets: layers 0..target, numbered without gaps.

    Every packet passes through ``place``; the common case (in order, every layer sent, picture
    ids untouched) is a handful of integer operations, so forwarding stays as cheap as it was.
    """

    __slots__ = ("target", "current", "seq", "pictures", "started", "_last_out_seq", "_last_out_picture")

    def __init__(self, target: int = ALL_LAYERS) -> None:
        self.target = target
        self.current = target
        self.seq = Renumbering()
        self.pictures = Renumbering()
        self.started = False
        self._last_out_seq = None
        self._last_out_picture = None  # as sent (mod 2**15)

    def start(self, seq: int, picture_id: int | None, first_seq: int) -> None:
        """Begin (or resume) on a keyframe's first packet, right after what was last sent."""
        out_seq = first_seq if self._last_out_seq is None else self._last_out_seq + 1
        self.seq.restart(seq, out_seq)
        if picture_id is not None:
            # A first start keeps the publisher's picture ids (nothing to rewrite); a resume
            # continues the subscriber's own.
            first_picture = picture_id if self._last_out_picture is None else self._last_out_picture + 1
            self.pictures.restart(picture_id, first_picture % PICTURE_ID_MOD)
        self.current = self.target
        self.started = True

    def place(self, seq16: int, descriptor) -> tuple[int, int | None, bool] | None:
        """(subscriber sequence number, picture id or None, padding?) for this packet, or None to drop it.

        ``padding``: the packet fills a slot kept for it but its layer is not sent; send an empty packet.
        """
        numbering = self.seq
        delta = (seq16 - numbering.highest) & 0xFFFF
        if not 0 < delta < 0x8000:
            return self._place_late(numbering.highest + delta - (delta >= 0x8000) * SEQ_MOD, descriptor)
        seq = numbering.highest + delta
        numbering.highest = seq
        tid = None if descriptor is None else descriptor.temporal_id
        if tid is not None:
            if self.current != self.target and descriptor.starts_partition and descriptor.partition == 0:
                self._choose_layer(tid, descriptor.layer_sync)
            if tid > self.current:
                self._drop(seq, descriptor.picture_id)
                return None
        out = numbering.out_newest(seq)
        self._last_out_seq = out
        picture = None if descriptor is None else descriptor.picture_id
        if picture is not None:
            pictures = self.pictures
            if pictures.offset or pictures._dropped or pictures._pruned:
                unwrapped = unwrap(picture, pictures.highest, PICTURE_ID_MOD)
                pictures.advance(unwrapped)
                picture = pictures.out(unwrapped) % PICTURE_ID_MOD
            # Unchanged picture ids (the common case) need no bookkeeping beyond the last one sent,
            # from which _sync_pictures brings the numbering up to date when it is needed.
            self._last_out_picture = picture
        return out & 0xFFFF, picture, False

    def _sync_pictures(self) -> None:
        pictures = self.pictures
        if pictures.identity and pictures.highest is not None and self._last_out_picture is not None:
            pictures.advance(unwrap(self._last_out_picture, pictures.highest, PICTURE_ID_MOD))

    def _drop(self, seq: int, picture_id: int | None) -> None:
        self.seq.drop(seq)
        self._sync_pictures()
        pictures = self.pictures
        if picture_id is not None and pictures.highest is not None:
            picture = unwrap(picture_id, pictures.highest, PICTURE_ID_MOD)
            if picture >= pictures.highest:
                pictures.advance(picture)
                pictures.drop(picture)

    def _place_late(self, seq: int, descriptor) -> tuple[int, int | None, bool] | None:
        numbering = self.seq
        if seq < numbering.first or seq < numbering.highest - REORDER_WINDOW or numbering.was_dropped(seq):
            # From before this (re)start (undecodable here), too late to place, or a duplicate
            # of a packet of a layer we do not send.
            return None
        picture = None if descriptor is None else descriptor.picture_id
        if picture is not None and self.pictures.highest is not None:
            self._sync_pictures()
            unwrapped = unwrap(picture, self.pictures.highest, PICTURE_ID_MOD)
            if self.pictures.was_dropped(unwrapped):
                # The rest of its frame was not sent: fill the slot without the packet.
                return self._late_out(seq), None, True
            picture = self.pictures.out(unwrapped) % PICTURE_ID_MOD
        return self._late_out(seq), picture, False

    def _late_out(self, seq: int) -> int:
        # Late packets can land above the last newest one sent (when that was followed by drops):
        # a resume must number on from them.
        out = self.seq.out(seq)
        if self._last_out_seq is None or out > self._last_out_seq:
            self._last_out_seq = out
        return out & 0xFFFF

    def _choose_layer(self, tid: int, layer_sync: bool) -> None:
        if self.target < self.current:
            self.current = self.target  # down at once: lower layers never reference higher ones
        elif self.current < self.target and tid == self.current + 1 and layer_sync:
            self.current = tid  # up only where the new layer needs nothing we did not send


def rewrite_picture_id(payload: bytes, picture_id: int) -> bytes:
    """``payload`` with its descriptor's picture id replaced (same 7- or 15-bit form)."""
    if payload[2] & 0x80:
        return payload[:2] + bytes([0x80 | (picture_id >> 8) & 0x7F, picture_id & 0xFF]) + payload[4:]
    return payload[:2] + bytes([picture_id & 0x7F]) + payload[3:]
