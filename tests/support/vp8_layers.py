"""A VP8 L1T3 packet sequence as Chromium's packetizer writes it (15-bit picture ids, TL0PICIDX, TID, Y)."""

from dataclasses import dataclass

from aiortc.rtp import RtpPacket

# libwebrtc's three-layer pattern: TID of frames 0, 1, 2, 3 of each group of four.
L1T3_PATTERN = (0, 2, 1, 2)
KEYFRAME_BODY = bytes([0x10, 0x02, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01]) + b"key" * 20
DELTA_BODY = bytes([0x31, 0x01, 0x00]) + b"delta" * 10


@dataclass
class Frame:
    picture_id: int
    tl0picidx: int
    tid: int
    layer_sync: bool
    keyframe: bool
    packets: list


def descriptor(start: bool, picture_id: int, tl0picidx: int, tid: int, layer_sync: bool) -> bytes:
    first = 0x80 | (0x10 if start else 0)
    tid_byte = (tid << 6) | (0x20 if layer_sync else 0)
    return bytes([first, 0xE0, 0x80 | (picture_id >> 8), picture_id & 0xFF, tl0picidx, tid_byte])


def l1t3_frames(count: int, first_seq=65500, first_picture=32760, first_tl0=250, packets_per_frame=2, ssrc=7):
    """``count`` frames from a keyframe on, each of ``packets_per_frame`` RTP packets (numbers wrap)."""
    frames, seq, tl0 = [], first_seq, first_tl0 - 1
    for index in range(count):
        tid = L1T3_PATTERN[index % 4]
        tl0 += tid == 0
        picture_id = (first_picture + index) % (1 << 15)
        # Y: the first frame of a layer after a base frame references only the base layer.
        layer_sync = tid != 0 and index % 4 in (1, 2)
        body = KEYFRAME_BODY if index == 0 else DELTA_BODY
        packets = []
        for n in range(packets_per_frame):
            packet = RtpPacket(
                payload_type=96,
                sequence_number=seq % (1 << 16),
                timestamp=90000 + index * 4500,
                ssrc=ssrc,
                marker=int(n == packets_per_frame - 1),
            )
            head = descriptor(n == 0, picture_id, tl0 % 256, tid, layer_sync)
            packet.payload = head + (body if n == 0 else b"more" * 10)
            packets.append(packet)
            seq += 1
        frames.append(Frame(picture_id, tl0 % 256, tid, layer_sync, index == 0, packets))
    return frames
