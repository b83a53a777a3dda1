"""Join benchmark: how long from clicking Join to the first decoded frame from the other person.

    python -m bench.join_bench [--joins 10]

The real app runs as its own process; one Chromium participant waits in a room and a
second one joins ``--joins`` times. Each time is measured inside the joining page, from
the click on Join to the first inbound video frame decoded (getStats polled every 10 ms).
The baseline, in the same run, is two RTCPeerConnections in one page with no app and no
network in between: the floor Chromium itself needs to get a first frame decoded.
"""

import argparse
import pathlib
import statistics
import sys
import tempfile
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from tests.support import services  # noqa: E402
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.support.live import CAPTURE_PEER_CONNECTIONS, LiveServer  # noqa: E402

MEASURE_JOIN = """
() => new Promise((resolve) => {
  const start = performance.now();
  document.getElementById("join-button").click();
  const poll = async () => {
    for (const pc of window.__peerConnections) {
      const stats = await pc.getStats();
      for (const report of stats.values()) {
        if (report.type === "inbound-rtp" && report.kind === "video" && report.framesDecoded > 0) {
          resolve(performance.now() - start);
          return;
        }
      }
    }
    setTimeout(poll, 10);
  };
  poll();
})
"""

MEASURE_LOOPBACK = """
async () => {
  const stream = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}, audio: true});
  const start = performance.now();
  const a = new RTCPeerConnection();
  const b = new RTCPeerConnection();
  a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
  b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
  stream.getTracks().forEach((t) => a.addTrack(t, stream));
  await a.setLocalDescription();
  await b.setRemoteDescription(a.localDescription);
  await b.setLocalDescription();
  await a.setRemoteDescription(b.localDescription);
  const elapsed = await new Promise((resolve) => {
    const poll = async () => {
      const stats = await b.getStats();
      for (const report of stats.values()) {
        if (report.type === "inbound-rtp" && report.kind === "video" && report.framesDecoded > 0) {
          return resolve(performance.now() - start);
        }
      }
      setTimeout(poll, 10);
    };
    poll();
  });
  a.close(); b.close(); stream.getTracks().forEach((t) => t.stop());
  return elapsed;
}
"""


def percentile(values, fraction):
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def fresh_page(browser):
    context = browser.new_context(permissions=["camera", "microphone"])
    context.add_init_script(CAPTURE_PEER_CONNECTIONS)
    return context, context.new_page()


def run(joins):
    from playwright.sync_api import sync_playwright

    mail = services.Mailbox().start()
    live = LiveServer(pathlib.Path(tempfile.mkdtemp(prefix="parlor-bench-")), mail, None).start()
    try:
        live.flask("create-admin", "bench@example.com")
        live.flask("rooms", "create", "bench-room", "--owner", "bench@example.com")
        room = f"{live.url}/bench-room"
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            host_context, host = fresh_page(browser)
            host.goto(room)
            host.fill("#display-name", "Waiting host")
            host.click("#join-button")
            host.wait_for_selector("#meeting:not([hidden])")

            baseline, joined = [], []
            for _ in range(joins):
                context, page = fresh_page(browser)
                page.goto(live.url + "/")
                baseline.append(page.evaluate(MEASURE_LOOPBACK))
                page.goto(room)
                page.fill("#display-name", "Joiner")
                page.wait_for_selector("#preview-placeholder", state="hidden")  # the preview is showing
                joined.append(page.evaluate(MEASURE_JOIN))
                context.close()
                time.sleep(1.0)  # let the host notice the departure before the next join
            host_context.close()
            browser.close()
    finally:
        live.stop()
        mail.stop()
    return baseline, joined


def report(baseline, joined):
    rows = [
        ("two local peer connections (baseline)", baseline),
        ("Parlor: click Join -> first remote frame", joined),
    ]
    print(f"\nJoin benchmark, {len(joined)} joins (milliseconds)")
    print(f"{'':44} {'p50':>8} {'p95':>8} {'min':>8} {'max':>8}")
    for label, values in rows:
        print(
            f"{label:44} {percentile(values, 0.5):8.0f} {percentile(values, 0.95):8.0f} "
            f"{min(values):8.0f} {max(values):8.0f}"
        )
    ratio50 = percentile(joined, 0.5) / percentile(baseline, 0.5)
    ratio95 = percentile(joined, 0.95) / percentile(baseline, 0.95)
    print(f"ratio to baseline: p50 {ratio50:.2f}x, p95 {ratio95:.2f}x")
    p50 = percentile(joined, 0.5)
    print(
        f"target p50 <= 1000 ms: {'met' if p50 <= 1000 else 'NOT met'} ({p50:.0f} ms, mean "
        f"{statistics.mean(joined):.0f} ms)"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--joins", type=int, default=10, help="how many times the second participant joins")
    args = parser.parse_args(argv)
    report(*run(args.joins))
    return 0


if __name__ == "__main__":
    sys.exit(main())
