"""CPU per forwarded packet on the node's packet path, for this tree or another checkout of it.

    python -m bench.forward_cost [--tree PATH] [--subscribers 11] [--packets 20000]

Runs in a fresh process per tree (``--tree`` puts that checkout's ``sfu_node`` first on the
path), so the packet path of main and of a branch are timed the same way on the same machine:
real aiortc senders whose transport's send is a no-op, one publisher's VP8 packets (L1T3
descriptors) pushed through ``PublishedTrack.deliver_packet`` to every subscriber. Prints
microseconds per packet per subscriber.
"""

import argparse
import asyncio
import json
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


async def measure(subscribers: int, count: int) -> float:
    from aiortc import RTCPeerConnection
    from aiortc.rtcrtpparameters import RTCRtpCodecParameters

    from sfu_node.forwarding import PublishedTrack, hook_sender
    from sfu_node.stats import NodeStats
    from tests.support.vp8_layers import l1t3_frames

    codec = RTCRtpCodecParameters(mimeType="video/VP8", clockRate=90000, payloadType=96)
    published = PublishedTrack("video", NodeStats(), packets=True)
    published.media_ssrc = 1

    class Upstream:
        async def _send_rtcp_pli(self, ssrc):
            pass

    published._receiver = Upstream()

    async def discard(data):
        pass

    connections, loops = [], []
    for index in range(subscribers):
        pc = RTCPeerConnection()
        track = published.subscribe(f"viewer-{index}")
        sender = pc.addTransceiver(track, direction="sendonly").sender
        hook_sender(sender, track)
        sender.transport._send_rtp = discard
        sender._RTCRtpSender__mid = "1"
        loops.append(asyncio.ensure_future(sender._run_rtp(codec)))
        connections.append((pc, track))
    await asyncio.sleep(0)
    frames = l1t3_frames(count // 4, first_seq=0, packets_per_frame=4)
    packets = [packet for frame in frames for packet in frame.packets]
    for packet in packets[:200]:  # warm up: every subscriber started on the keyframe
        published.deliver_packet(packet)
    started = time.process_time()
    for packet in packets[200:]:
        published.deliver_packet(packet)
    elapsed = time.process_time() - started
    for pc, track in connections:
        track.stop()
        await pc.close()
    await asyncio.gather(*loops, return_exceptions=True)
    return elapsed / (len(packets) - 200) / subscribers * 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", help="checkout whose sfu_node to time (repeatable)")
    parser.add_argument("--subscribers", type=int, default=11)
    parser.add_argument("--packets", type=int, default=20000)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(measure(args.subscribers, args.packets))))
        return 0
    for tree in args.tree or [str(ROOT)]:
        runs = []
        for _ in range(3):
            out = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "bench.forward_cost",
                    "--child",
                    "--subscribers",
                    str(args.subscribers),
                    "--packets",
                    str(args.packets),
                ],
                cwd=tree,
                env={"PYTHONPATH": f"{tree}:{ROOT}"},
                capture_output=True,
                text=True,
                check=True,
            )
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
        each = ", ".join(f"{r:.1f}" for r in runs)
        print(f"{tree}: {min(runs):.1f} us per packet per subscriber (best of 3: {each})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
