"""End-to-end encryption benchmark: what sealing every frame costs a meeting through a node.

    python -m bench.e2ee_bench [--people 4] [--seconds 10]

The real app and one SFU node run as processes; ``--people`` Chromium participants meet through
the node twice in the same run: in a room that is end-to-end encrypted (the default), and, as the
baseline, in a room that allows browsers without encoded transforms where every page is such a
browser (the transform APIs removed before the page's scripts run), so no frame is sealed. Each
run measures the node's CPU and the browser's (all Chromium processes) over ``--seconds`` once
everyone decodes everyone, and the last person's time from the click on Join to their first
decoded remote frame. Results are ratios of encrypted to unencrypted.
"""

import argparse
import pathlib
import sys
import tempfile
import time

import psutil

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from app.plans import LARGE  # noqa: E402
from bench.join_bench import MEASURE_JOIN  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.browser import launch_chromium  # noqa: E402
from tests.support.eavesdropper import allow_unencrypted  # noqa: E402
from tests.support.live import CAPTURE_PEER_CONNECTIONS, MASTER_SECRET, LiveServer, wait_decoding  # noqa: E402
from tests.support.node import NodeProcess  # noqa: E402

NO_ENCODED_TRANSFORMS = """
delete window.RTCRtpScriptTransform;
delete RTCRtpSender.prototype.createEncodedStreams;
delete RTCRtpReceiver.prototype.createEncodedStreams;
"""
STATE = "() => document.getElementById('e2ee-state').textContent"


def cpu_seconds(processes):
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.Error:
            pass
    return total


def chromium_processes():
    me = psutil.Process()
    return [p for p in me.children(recursive=True) if "chrom" in p.name().lower()]


def meeting(browser, live, node, room, people, seconds, encrypted):
    contexts, pages = [], []
    for _ in range(people):
        context = browser.new_context(permissions=["camera", "microphone"], viewport={"width": 640, "height": 480})
        context.add_init_script(CAPTURE_PEER_CONNECTIONS)
        if not encrypted:
            context.add_init_script(NO_ENCODED_TRANSFORMS)
        contexts.append(context)
        pages.append(context.new_page())
    for index, page in enumerate(pages):
        page.goto(f"{live.url}/{room}")
        page.fill("#display-name", f"Person {index + 1}")
        page.wait_for_selector("#preview-placeholder", state="hidden")
        if index < people - 1:
            page.click("#join-button")
            page.wait_for_selector("#meeting:not([hidden])")
        else:
            join_ms = page.evaluate(MEASURE_JOIN)
    for page in pages:
        wait_decoding(page, tracks=people - 1, timeout=90)
    states = {page.evaluate(STATE) for page in pages}
    node_process = [psutil.Process(node.process.pid)]
    browsers = chromium_processes()
    node_before, browser_before, started = cpu_seconds(node_process), cpu_seconds(browsers), time.monotonic()
    time.sleep(seconds)
    elapsed = time.monotonic() - started
    result = {
        "node_cpu": (cpu_seconds(node_process) - node_before) / elapsed,
        "browser_cpu": (cpu_seconds(browsers) - browser_before) / elapsed,
        "join_ms": join_ms,
        "states": states,
    }
    for context in contexts:
        context.close()
    time.sleep(2)
    return result


def run(people, seconds):
    from playwright.sync_api import sync_playwright

    directory = pathlib.Path(tempfile.mkdtemp(prefix="parlor-bench-e2ee-"))
    mail = services.Mailbox().start()
    live = LiveServer(directory, mail, None).start()
    node = NodeProcess(live.url, MASTER_SECRET, "bench-e2ee-node", region="eu-north", capacity=48)
    try:
        node.wait_listening(timeout=30)
        live.flask("create-admin", "bench@example.com")
        live.set_plan("bench@example.com", "pro")
        for room in ("bench-sealed", "bench-clear"):
            live.flask("rooms", "create", room, "--owner", "bench@example.com", "--mode", LARGE)
        allow_unencrypted(live, "bench-clear")
        deadline = time.time() + 20
        while "bench-e2ee-node" not in live.flask("nodes", "list") and time.time() < deadline:
            time.sleep(0.3)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            clear = meeting(browser, live, node, "bench-clear", people, seconds, encrypted=False)
            sealed = meeting(browser, live, node, "bench-sealed", people, seconds, encrypted=True)
            browser.close()
    finally:
        node.stop()
        live.stop()
        mail.stop()
    return clear, sealed


def report(clear, sealed, people):
    print(f"\nEnd-to-end encryption benchmark, {people} people through one node")
    print(f"{'':44} {'unencrypted':>12} {'encrypted':>12} {'ratio':>8}")
    rows = [
        ("node CPU (cores)", "node_cpu", "{:12.2f}"),
        ("all browsers' CPU (cores)", "browser_cpu", "{:12.2f}"),
        ("last join: click -> first remote frame (ms)", "join_ms", "{:12.0f}"),
    ]
    for label, key, shape in rows:
        ratio = sealed[key] / clear[key] if clear[key] else float("nan")
        print(f"{label:44} {shape.format(clear[key])} {shape.format(sealed[key])} {ratio:7.2f}x")
    print(f"meeting state shown: unencrypted run {sorted(clear['states'])}, encrypted run {sorted(sealed['states'])}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=4, help="participants in each meeting")
    parser.add_argument("--seconds", type=float, default=10.0, help="how long CPU is measured")
    args = parser.parse_args(argv)
    report(*run(args.people, args.seconds), args.people)
    return 0


if __name__ == "__main__":
    sys.exit(main())
