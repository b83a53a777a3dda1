"""Benchmark the SFU node against an aiortc MediaRelay baseline on this machine.

    python -m bench.sfu_bench            # full run, several minutes
    python -m bench.sfu_bench --quick    # smoke run, about a minute

The node runs as its own process (CPU read with psutil over all its threads);
this process is the load generator: publishers replay pre-encoded VP8, and
subscribers count frames without decoding. Results are ratios within one run.
"""

import argparse
import asyncio
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

import aiohttp
import psutil
from aiohttp import web

from bench.clip import clip_bitrate, encode_clip
from bench.loadclient import BenchClient, summarize_fps
from sfu_node import protocol
from sfu_node.config import FORWARDING_MODES, NodeConfig

DEFAULT_FORWARDING = NodeConfig.forwarding

ROOT = pathlib.Path(__file__).resolve().parents[1]
NODE_ID = "bench-node"
NODE_KEY = "b" * 64
RESOLUTIONS = {"480p": (640, 480, 800_000), "720p": (1280, 720, 1_500_000)}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def start_app_stub() -> tuple[web.AppRunner, str]:
    """Just enough of the app for the node to register and heartbeat."""

    async def ok(request):
        await request.read()
        return web.json_response({"heartbeat_interval": 2, "rooms": [], "state": "serving"})

    app = web.Application()
    app.router.add_post("/api/nodes/register", ok)
    app.router.add_post("/api/nodes/heartbeat", ok)
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}"


def start_node(module: str, app_url: str, node_args=()) -> tuple[subprocess.Popen, str, str]:
    """The node process, its public URL and the URL of its local /healthz and /metrics."""
    port, metrics_port = free_port(), free_port()
    env = dict(os.environ, PARLOR_NODE_KEY=NODE_KEY, PARLOR_NODE_LOG_LEVEL="WARNING")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            module,
            "--app-url",
            app_url,
            "--node-id",
            NODE_ID,
            "--listen",
            f"127.0.0.1:{port}",
            "--public-url",
            f"http://127.0.0.1:{port}",
            "--metrics-listen",
            f"127.0.0.1:{metrics_port}",
            *node_args,
        ],
        cwd=ROOT,
        env=env,
    )
    return proc, f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}"


async def wait_healthy(session, url: str) -> None:
    for _ in range(200):
        try:
            async with session.get(url + "/healthz") as response:
                if response.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise RuntimeError("node did not start")


async def node_packets(session, url: str) -> tuple[float, float]:
    async with session.get(url + "/metrics") as response:
        text = await response.text()
    values = {}
    for line in text.splitlines():
        if line.startswith(("parlor_sfu_packets_in_total", "parlor_sfu_packets_out_total")):
            name, value = line.split()
            values[name] = float(value)
    return values.get("parlor_sfu_packets_in_total", 0.0), values.get("parlor_sfu_packets_out_total", 0.0)


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


async def run_scenario(
    label: str,
    module: str,
    clip: list[bytes],
    publishers: int,
    subscribers_only: int,
    window: float,
    node_args=(),
) -> dict:
    """Start a node, seat the participants in one room, and measure a steady window."""
    runner, app_url = await start_app_stub()
    proc, node_url, metrics_url = start_node(module, app_url, node_args)
    node_process = psutil.Process(proc.pid)
    me = psutil.Process()
    clients: list[BenchClient] = []
    try:
        async with aiohttp.ClientSession() as session:
            await wait_healthy(session, metrics_url)
            ws_url = node_url.replace("http", "ws") + "/ws"
            names = [f"pub{i}" for i in range(publishers)] + [f"sub{i}" for i in range(subscribers_only)]
            for index, name in enumerate(names):
                token = protocol.make_join_token(NODE_KEY, room="bench", participant=name, name=name, node=NODE_ID)
                client = BenchClient(
                    name,
                    ws_url,
                    token,
                    clip if index < publishers else None,
                    set(names[:publishers]),
                )
                await client.start(session)
                clients.append(client)
            expected = {c.name: len(c.publishers) for c in clients}
            deadline = time.monotonic() + 60
            while not all(c.receiving(expected[c.name]) for c in clients):
                if time.monotonic() > deadline:
                    missing = {c.name: len(c.counters) for c in clients if not c.receiving(expected[c.name])}
                    raise RuntimeError(f"{label}: not every subscriber receives video: {missing}")
                await asyncio.sleep(0.25)
            await asyncio.sleep(2)  # let start-up keyframes and bitrate settle
            before = {id(k): k.snapshot() for c in clients for k in c.counters.values()}
            node_cpu, my_cpu = cpu_seconds(node_process), cpu_seconds(me)
            packets_before = await node_packets(session, metrics_url)
            started = time.monotonic()
            await asyncio.sleep(window)
            elapsed = time.monotonic() - started
            node_cpu, my_cpu = (
                cpu_seconds(node_process) - node_cpu,
                cpu_seconds(me) - my_cpu,
            )
            packets_after = await node_packets(session, metrics_url)
            rates, freezes, keyframes = [], [], 0
            for client in clients:
                client_freezes = 0
                for counter in client.counters.values():
                    frames, keys, frozen = (a - b for a, b in zip(counter.snapshot(), before[id(counter)], strict=True))
                    rates.append(frames / elapsed)
                    client_freezes += frozen
                    keyframes += keys
                if client.counters:
                    freezes.append(client_freezes)
    finally:
        for client in clients:
            await client.close()
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        await runner.cleanup()
    cores = node_cpu / elapsed
    down_tracks = len(rates)
    packets_out = (packets_after[1] - packets_before[1]) / elapsed
    packets_in = (packets_after[0] - packets_before[0]) / elapsed
    return {
        "label": label,
        "down_tracks": down_tracks,
        "node_cores": cores,
        "load_generator_cores": my_cpu / elapsed,
        "cpu_ms_per_track_second": 1000 * cores / down_tracks,
        "tracks_per_core": down_tracks / cores if cores else float("inf"),
        "packets_out_per_s": packets_out,
        "packets_in_per_s": packets_in,
        "packets_out_per_core_s": packets_out / cores if cores else float("inf"),
        "fps": summarize_fps(rates),
        "freezes_total": sum(freezes),
        "freezes_max_per_subscriber": max(freezes, default=0),
        "keyframes": keyframes,
    }


def print_result(result: dict) -> None:
    print(
        f"{result['label']:<34} down-tracks {result['down_tracks']:>3}  "
        f"node {result['node_cores'] * 100:5.1f}% core  "
        f"{result['cpu_ms_per_track_second']:6.2f} ms CPU/s per track  "
        f"{result['tracks_per_core']:7.1f} tracks/core  "
        f"out {result['packets_out_per_s']:7.0f} pkt/s ({result['packets_out_per_core_s']:7.0f}/core)  "
        f"fps min {result['fps']['min']:4.1f} median {result['fps']['median']:4.1f}  "
        f"freezes {result['freezes_total']} (max {result['freezes_max_per_subscriber']}/subscriber)  "
        f"loadgen {result['load_generator_cores'] * 100:4.0f}%",
        flush=True,
    )


async def main(quick: bool) -> int:
    window = 8.0 if quick else 20.0
    resolutions = ["480p"] if quick else ["480p", "720p"]
    print(
        f"machine: {psutil.cpu_count()} cores; measuring {window:.0f} s windows",
        flush=True,
    )
    results = {}
    for name in resolutions:
        width, height, bitrate = RESOLUTIONS[name]
        clip = encode_clip(width, height, bitrate)
        print(
            f"clip {name}: {len(clip)} frames, {clip_bitrate(clip) / 1e6:.2f} Mbps",
            flush=True,
        )
        shapes = (
            [("fan-out 1->6", 1, 6), ("meeting 6->6", 6, 0)]
            if quick
            else [("fan-out 1->11", 1, 11), ("meeting 12->12", 12, 0)]
        )
        for shape, publishers, listeners in shapes:
            # Every forwarding path, same clip, same machine, back to back: packets (adapting per
            # subscriber, the default) against packets without adaptation and against frames.
            for mode in (*FORWARDING_MODES, "adaptation-off"):
                label = f"sfu {name} {shape}" + ("" if mode == DEFAULT_FORWARDING else f" {mode}")
                node_args = ("--forwarding", mode)
                if mode == "adaptation-off":
                    node_args = ("--forwarding", DEFAULT_FORWARDING, "--adaptation", "off")
                results[label] = await run_scenario(label, "sfu_node", clip, publishers, listeners, window, node_args)
                print_result(results[label])
        label = f"mediarelay {name} fan-out 1->2"
        results[label] = await run_scenario(label, "bench.relay_node", clip, 1, 2, window)
        print_result(results[label])
    print("\nratios (down-tracks per core, SFU / MediaRelay, same resolution):")
    for name in resolutions:
        relay = results[f"mediarelay {name} fan-out 1->2"]
        for label, result in results.items():
            if label.startswith(f"sfu {name}"):
                print(f"  {label}: {result['tracks_per_core'] / relay['tracks_per_core']:.1f}x")
    for label, result in results.items():
        default = results.get(label.removesuffix(" frames"))
        if label.startswith("sfu") and label.endswith(" frames") and default:
            ratio = default["tracks_per_core"] / result["tracks_per_core"]
            print(f"packets / frames, {label.removesuffix(' frames')}: {ratio:.2f}x tracks per core")
        default = results.get(label.removesuffix(" adaptation-off"))
        if label.startswith("sfu") and label.endswith(" adaptation-off") and default:
            ratio = default["tracks_per_core"] / result["tracks_per_core"]
            print(f"adaptive / adaptation off, {label.removesuffix(' adaptation-off')}: {ratio:.2f}x tracks per core")
    meeting = results.get("sfu 480p meeting 12->12")
    if meeting:
        relay = results["mediarelay 480p fan-out 1->2"]
        within_core = meeting["node_cores"] <= 1.0
        smooth = meeting["fps"]["min"] >= 27
        ratio = meeting["tracks_per_core"] / relay["tracks_per_core"]
        print(
            f"\ntarget 12-person 480p meeting within one core: {'MET' if within_core else 'NOT MET'} "
            f"({meeting['node_cores'] * 100:.0f}% of a core for {meeting['down_tracks']} down-tracks)"
        )
        print(
            f"target every subscriber >= 27 fps: {'MET' if smooth else 'NOT MET'} (min {meeting['fps']['min']:.1f} fps)"
        )
        print(f"target >= 20x MediaRelay down-tracks per core: {'MET' if ratio >= 20 else 'NOT MET'} ({ratio:.1f}x)")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="480p only, smaller rooms, 8 s windows")
    sys.exit(asyncio.run(main(parser.parse_args().quick)))
