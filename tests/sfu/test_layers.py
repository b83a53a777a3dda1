"""Temporal layers per subscriber: only layers 0..k go out, numbered so the decoder sees no gap."""

from sfu_node.layers import TemporalLayerFilter, rewrite_picture_id
from sfu_node.packets import parse_vp8_descriptor
from tests.support.vp8_layers import l1t3_frames


def run(layer_filter, packets, first_seq=1000):
    """Push ``packets`` through ``layer_filter``; what goes out: (seq, picture id, padding, source packet)."""
    out = []
    for packet in packets:
        descriptor = parse_vp8_descriptor(packet.payload)
        if not layer_filter.started:
            layer_filter.start(packet.sequence_number, descriptor.picture_id, first_seq)
        placed = layer_filter.place(packet.sequence_number, descriptor)
        if placed is not None:
            out.append((*placed, packet))
    return out


def assert_no_gaps(out):
    seqs = [seq for seq, *_ in out]
    assert all((b - a) % 65536 == 1 for a, b in zip(seqs, seqs[1:], strict=False)), seqs
    starts = [picture for _, picture, padding, packet in out if parse_vp8_descriptor(packet.payload).starts_frame]
    assert all((b - a) % 32768 == 1 for a, b in zip(starts, starts[1:], strict=False)), starts


def tids(out):
    return [
        parse_vp8_descriptor(p.payload).temporal_id for *_, p in out if parse_vp8_descriptor(p.payload).starts_frame
    ]


def test_all_layers_pass_unchanged():
    """With every layer wanted, does each packet go out with the publisher's picture id and consecutive numbers?"""
    frames = l1t3_frames(12)
    packets = [p for f in frames for p in f.packets]
    out = run(TemporalLayerFilter(), packets)
    assert len(out) == len(packets)
    assert [picture for _, picture, *_ in out] == [parse_vp8_descriptor(p.payload).picture_id for p in packets]
    assert_no_gaps(out)


def test_base_and_middle_layer_only_without_gaps():
    """Does a subscriber held at layer 1 get no layer-2 frame, its numbers and picture ids still consecutive?"""
    frames = l1t3_frames(16)
    out = run(TemporalLayerFilter(target=1), [p for f in frames for p in f.packets])
    assert set(tids(out)) == {0, 1}
    assert len(out) == 2 * sum(f.tid <= 1 for f in frames)
    assert_no_gaps(out)


def test_switch_down_then_up_at_a_layer_sync_frame():
    """Does a subscriber switch down at the next frame and back up only at a layer-sync frame, never leaving a gap?"""
    frames = l1t3_frames(24)
    layer_filter = TemporalLayerFilter()
    out = run(layer_filter, [p for f in frames[:6] for p in f.packets])
    layer_filter.target = 0
    out += run(layer_filter, [p for f in frames[6:14] for p in f.packets])
    layer_filter.target = 2
    out += run(layer_filter, [p for f in frames[14:] for p in f.packets])
    assert tids(out)[:6] == [0, 2, 1, 2, 0, 2]
    assert tids(out)[6:8] == [0, 0]  # frames 8 and 12: only the base layer while held down
    assert_no_gaps(out)
    # Up again in steps, each at a frame marked layer sync (Y), never at a frame needing one we skipped.
    resumed = [p for *_, p in out[16:] if parse_vp8_descriptor(p.payload).starts_frame]
    first_up = next(parse_vp8_descriptor(p.payload) for p in resumed if parse_vp8_descriptor(p.payload).temporal_id)
    assert first_up.layer_sync
    assert 2 in tids(out)[8:]


def test_late_packet_fills_its_gap_and_one_of_a_skipped_frame_becomes_padding():
    """Does a late retransmission land on the number the subscriber misses, and one of a skipped frame go as padding?"""
    frames = l1t3_frames(8)
    packets = [p for f in frames for p in f.packets]
    late_kept, late_skipped = frames[2].packets[1], frames[5].packets[1]  # TID 1 (sent), TID 2 (skipped)
    layer_filter = TemporalLayerFilter(target=1)
    out = run(layer_filter, [p for p in packets if p not in (late_kept, late_skipped)])
    gaps = sorted(set(range(out[0][0], out[-1][0] + 1)) - {seq for seq, *_ in out})
    assert len(gaps) == 2  # a packet lost upstream keeps its number: its layer is not known yet
    late = run(layer_filter, [late_kept, late_skipped])
    assert [(seq, padding) for seq, _, padding, _ in late] == [(gaps[0], False), (gaps[1], True)]
    assert_no_gaps(sorted(out + late, key=lambda item: item[0]))


def test_late_packet_of_a_frame_being_sent_completes_it_after_a_switch_down():
    """After switching down, does the late last packet of a higher-layer frame already started still go out?"""
    frames = l1t3_frames(8)
    late = frames[3].packets[1]  # TID 2, its first packet sent before the switch
    layer_filter = TemporalLayerFilter()
    out = run(layer_filter, [p for f in frames[:5] for p in f.packets if p is not late])
    layer_filter.target = 0
    out += run(layer_filter, [p for f in frames[5:] for p in f.packets] + [late])
    assert out[-1][3] is late and not out[-1][2]
    assert_no_gaps(sorted(out, key=lambda item: item[0]))


def test_packets_before_a_start_are_not_sent():
    """Is a late packet from before the subscriber's first keyframe dropped rather than numbered before it?"""
    frames = l1t3_frames(4)
    layer_filter = TemporalLayerFilter()
    run(layer_filter, frames[0].packets)
    older = l1t3_frames(1, first_seq=65490)[0].packets[0]
    assert layer_filter.place(older.sequence_number, parse_vp8_descriptor(older.payload)) is None


def test_resume_continues_the_subscriber_numbering():
    """After a pause, does the stream resume on a keyframe numbered right after the last packet sent?"""
    before = l1t3_frames(4)
    later = l1t3_frames(4, first_seq=12000, first_picture=500, first_tl0=9)
    layer_filter = TemporalLayerFilter()
    out = run(layer_filter, [p for f in before for p in f.packets])
    layer_filter.start(later[0].packets[0].sequence_number, later[0].picture_id, first_seq=0)
    out += run(layer_filter, [p for f in later for p in f.packets])
    assert_no_gaps(out)


def test_picture_id_rewrite_keeps_its_form():
    """Is a 15-bit picture id rewritten in place as 15 bits, and a 7-bit one as 7 bits, the rest untouched?"""
    long_form = bytes([0x90, 0xE0, 0x80 | 0x12, 0x34, 0x07, 0x40]) + b"frame"
    rewritten = rewrite_picture_id(long_form, 0x0ABC)
    assert parse_vp8_descriptor(rewritten).picture_id == 0x0ABC
    assert rewritten[4:] == long_form[4:] and len(rewritten) == len(long_form)
    short_form = bytes([0x90, 0x80, 0x05]) + b"frame"
    assert parse_vp8_descriptor(rewrite_picture_id(short_form, 0x7F)).picture_id == 0x7F
    assert rewrite_picture_id(short_form, 0x7F)[3:] == b"frame"
