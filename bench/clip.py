"""Pre-encoded VP8 clips: encoded once up front so the load generator never encodes."""

import fractions

import av
from av.video.frame import PictureType

from sfu_node.forwarding import is_vp8_keyframe

FPS = 30


def encode_clip(width: int, height: int, bitrate: int, seconds: float = 4.0) -> list[bytes]:
    """Encoded frames of FFmpeg's moving test pattern; frame 0 is the only keyframe."""
    source = av.open(f"testsrc2=size={width}x{height}:rate={FPS}", format="lavfi")
    encoder = av.CodecContext.create("libvpx", "w")
    encoder.width, encoder.height, encoder.pix_fmt = width, height, "yuv420p"
    encoder.bit_rate = bitrate
    encoder.time_base = fractions.Fraction(1, FPS)
    encoder.framerate = fractions.Fraction(FPS, 1)
    encoder.gop_size = 100_000
    # The settings aiortc and browsers use for real-time CBR video.
    encoder.options = {
        "deadline": "realtime",
        "cpu-used": "8",
        "lag-in-frames": "0",
        "minrate": str(bitrate),
        "maxrate": str(bitrate),
        "bufsize": str(bitrate),
        "static-thresh": "1",
        "undershoot-pct": "100",
        "overshoot-pct": "15",
    }
    frames: list[bytes] = []
    wanted = int(seconds * FPS)
    for index, frame in enumerate(source.decode(video=0)):
        if index >= wanted:
            break
        frame = frame.reformat(format="yuv420p")
        # lavfi marks its pictures as I-frames, which would make every frame a keyframe.
        frame.pict_type = PictureType.NONE
        frame.pts = index
        frames.extend(bytes(packet) for packet in encoder.encode(frame))
    frames.extend(bytes(packet) for packet in encoder.encode(None))
    source.close()
    if not frames or not is_vp8_keyframe(frames[0]):
        raise RuntimeError("clip does not start with a keyframe")
    return frames


def clip_bitrate(frames: list[bytes]) -> float:
    return sum(len(f) for f in frames) * 8 * FPS / len(frames)
