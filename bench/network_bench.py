"""Network benchmark: a large meeting where one participant sits behind a bad link.

    python -m bench.network_bench [--people 6] [--window 40] [--modes adaptation-off adaptive]

The real app, coturn and one SFU node run as processes; Chromium participants meet in a large
room. One of them ("C") reaches everything through a userspace shaping proxy in front of coturn
(tests/support/shaper.py: relay-only ICE, TURN URL pointed at the proxy), whose downlink is
400 kbit/s with 3 % random loss and 40 ms delay. Over a window after the meeting settles, each
page's getStats() gives per remote tile: decoded frames per second, Chromium's
totalFreezesDuration, and for audio the share of concealed samples; publishers give their
keyframes encoded. Before any figure is trusted, C's own stats must show the link: its received
bitrate at or under the set rate and its inbound loss at least the set loss.

Each node mode named by --modes runs the same scenario with a fresh node in the same run; the
first is the baseline the others are reported against: "frames" (the earlier frame path),
"adaptation-off" (packet forwarding, every layer to everyone, every NACK answered) and "adaptive"
(packet forwarding with per-subscriber temporal layers, estimates, publisher caps and the budget
across publishers) and "mesh" (no node: a peer-to-peer room of at most four, each browser's own
congestion control adapting what it sends to each other).
"""

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from app.plans import LARGE, SMALL  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.browser import launch_chromium  # noqa: E402
from tests.support.live import CAPTURE_PEER_CONNECTIONS, MASTER_SECRET, TURN_SECRET, LiveServer  # noqa: E402
from tests.support.mediastats import SNAPSHOT, diff  # noqa: E402
from tests.support.node import NodeProcess  # noqa: E402
from tests.support.shaper import LinkProfile, ShapingProxy, relay_through  # noqa: E402

# Node options per mode; `make bench` compares MODES, the first being the baseline. "mesh" runs no
# node: the room is peer-to-peer (at most MESH_LIMIT people), each browser sending to each other.
NODE_MODES = {
    "frames": ("--forwarding", "frames"),
    "adaptation-off": ("--forwarding", "packets", "--adaptation", "off"),
    "adaptive": ("--forwarding", "packets", "--adaptation", "on"),
    "mesh": None,
}
MESH_LIMIT = 4
MODES = ["adaptation-off", "adaptive"]
PEOPLE = 6  # issue 13's scenario: a six-person large meeting, the last one on the weak link
WEAK_DOWNLINK = LinkProfile(rate_kbps=400, loss=0.03, delay_ms=40, jitter_ms=5, queue_ms=300)
WEAK_UPLINK = LinkProfile(rate_kbps=300, loss=0.03, delay_ms=40, jitter_ms=5, queue_ms=300)
# Which way the weak participant's link is bad: what it receives, or what it sends to everyone.
SCENARIOS = {"downlink": {"downlink": WEAK_DOWNLINK}, "uplink": {"uplink": WEAK_UPLINK}}


def run_mode(live, coturn, forwarding, people, window, directory, scenario="downlink"):
    from playwright.sync_api import sync_playwright

    node = None
    if NODE_MODES[forwarding] is not None:
        node_args = ("--ice-server", f"turn:127.0.0.1:{coturn.port}?transport=udp")
        node_args += NODE_MODES[forwarding]
        node = NodeProcess(
            live.url,
            MASTER_SECRET,
            f"bench-{scenario}-{forwarding}",
            region="eu-north",
            capacity=48,
            log_path=directory / f"node-{forwarding}.log",
            extra_args=node_args,
            extra_env={"PARLOR_NODE_TURN_SECRET": TURN_SECRET},
        )
    proxy = ShapingProxy(("127.0.0.1", coturn.port), **SCENARIOS[scenario]).start()
    room = f"net-{scenario}-{forwarding}-{int(time.time())}"
    try:
        if node is not None:
            node.wait_ready(timeout=30)
        live.flask("rooms", "create", room, "--owner", "net@example.com", "--mode", LARGE if node else SMALL)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            pages = []
            for index in range(people):
                context = browser.new_context(
                    viewport={"width": 640, "height": 480}, permissions=["camera", "microphone"]
                )
                context.add_init_script(CAPTURE_PEER_CONNECTIONS)
                if index == people - 1:
                    context.add_init_script(relay_through(proxy))
                page = context.new_page()
                page.goto(f"{live.url}/{room}")
                page.fill("#display-name", f"Person {index + 1}")
                page.click("#join-button")
                page.wait_for_selector("#meeting:not([hidden])")
                pages.append(page)
            time.sleep(10)  # everyone connected and past the first keyframes
            before = [page.evaluate(SNAPSHOT) for page in pages]
            time.sleep(window)
            after = [page.evaluate(SNAPSHOT) for page in pages]
            results = [diff(b, a, window) for b, a in zip(before, after, strict=True)]
            # Tiles whose video the node paused for the weak page's link (sfu_node/budget.py).
            paused = pages[-1].locator(".tile.video-paused").count()
            browser.close()
    finally:
        counters = proxy.counters()
        proxy.stop()
        if node is not None:
            node.stop()
    return {"pages": results, "proxy": counters, "weak paused": paused}


def median(values):
    return statistics.median(values) if values else float("nan")


def summarize(result):
    weak, others = result["pages"][-1], result["pages"][:-1]
    shown = sorted(weak["video"], key=lambda v: v["fps"], reverse=True)[: len(weak["video"]) - result["weak paused"]]
    shown_fps = [v["fps"] for v in shown]
    return {
        "weak fps": median([v["fps"] for v in weak["video"]]),
        "weak frozen s": median([v["frozen"] for v in weak["video"]]),
        "weak tiles paused": result["weak paused"],
        # The tiles the page shows moving: paused ones decode nothing, the rest decode most.
        "weak fps, shown tiles": median(shown_fps),
        "weak frozen s, shown tiles": median([v["frozen"] for v in shown]),
        "weak audio concealed %": 100 * median([a["concealed"] for a in weak["audio"]]),
        "weak kbps in": weak["kbps_in"],
        "weak kbps out": weak["kbps_out"],
        "weak video loss %": 100 * median([v["loss"] for v in weak["video"]]),
        "weak reconnects": weak["reconnects"],
        "others fps": median([v["fps"] for page in others for v in page["video"]]),
        "others frozen s": median([v["frozen"] for page in others for v in page["video"]]),
        "others audio concealed %": 100 * median([a["concealed"] for page in others for a in page["audio"]]),
        # The worst remote tile anyone else has: the weak publisher's, in the uplink scenario.
        "others worst fps": min([v["fps"] for page in others for v in page["video"]], default=float("nan")),
        "others worst frozen s": max([v["frozen"] for page in others for v in page["video"]], default=float("nan")),
        "others worst audio concealed %": 100
        * max([a["concealed"] for page in others for a in page["audio"]], default=float("nan")),
        "keyframes/10s per publisher": median([page["keyframes_per_10s"] for page in others]),
    }


def report(summaries, window, scenario="downlink"):
    modes = list(summaries)
    base = summaries[modes[0]]
    link = WEAK_DOWNLINK if scenario == "downlink" else WEAK_UPLINK
    print(
        f"\nNetwork benchmark: the last participant's {scenario} at {link.rate_kbps:.0f} kbit/s, "
        f"{link.loss:.0%} loss, {link.delay_ms:.0f} ms; {window} s window; medians"
    )
    print(f"{'':30}" + "".join(f"{mode:>14}" for mode in modes) + "".join(f"{'ratio ' + m:>16}" for m in modes[1:]))
    for metric in base:
        row = f"{metric:30}" + "".join(f"{summaries[mode][metric]:14.2f}" for mode in modes)
        for mode in modes[1:]:
            row += f"{summaries[mode][metric] / base[metric] if base[metric] else float('nan'):15.2f}x"
        print(row)


def check_link(summary, scenario):
    """The emulated link must really be what the weak browser experiences, or no figure counts."""
    problems = []
    if scenario == "uplink":
        if summary["weak kbps out"] > WEAK_UPLINK.rate_kbps * 1.1:
            problems.append(f"sent {summary['weak kbps out']:.0f} kbit/s through a {WEAK_UPLINK.rate_kbps} link")
        return problems
    if summary["weak kbps in"] > WEAK_DOWNLINK.rate_kbps * 1.1:
        problems.append(f"received {summary['weak kbps in']:.0f} kbit/s through a {WEAK_DOWNLINK.rate_kbps} link")
    if summary["weak video loss %"] < WEAK_DOWNLINK.loss * 100 * 0.8:
        problems.append(
            f"saw {summary['weak video loss %']:.1f} % video loss through a {WEAK_DOWNLINK.loss:.0%} lossy link"
        )
    return problems


def run(modes, people, window, scenario="downlink"):
    mail = services.Mailbox().start()
    directory = pathlib.Path(tempfile.mkdtemp(prefix="parlor-network-bench-"))
    coturn = services.coturn_server(directory, TURN_SECRET)
    live = LiveServer(directory, mail, coturn.port).start()
    summaries = {}
    try:
        live.flask("create-admin", "net@example.com")
        live.set_plan("net@example.com", "pro")
        for mode in modes:
            result = run_mode(live, coturn, mode, people, window, directory, scenario)
            summaries[mode] = summarize(result)
            print(f"{mode}: proxy {result['proxy']}")
            for problem in check_link(summaries[mode], scenario):
                print(f"{mode}: LINK NOT AS SET: {problem}")
    finally:
        live.stop()
        coturn.stop()
        mail.stop()
    return summaries


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=PEOPLE, help="participants, the last one on the weak link")
    parser.add_argument("--window", type=int, default=40, help="seconds measured per mode")
    parser.add_argument("--modes", nargs="+", choices=sorted(NODE_MODES), default=MODES, help="node modes to compare")
    parser.add_argument("--scenario", nargs="+", choices=sorted(SCENARIOS), default=["downlink", "uplink"])
    args = parser.parse_args(argv)
    if "mesh" in args.modes and args.people > MESH_LIMIT:
        parser.error(f"mode mesh holds at most {MESH_LIMIT} people (a peer-to-peer room)")
    for scenario in args.scenario:
        report(run(args.modes, args.people, args.window, scenario), args.window, scenario)
    return 0


if __name__ == "__main__":
    sys.exit(main())
