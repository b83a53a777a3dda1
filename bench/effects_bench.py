"""Background effects benchmark: the frame rate and CPU of blur and an image background at 640×480.

    python -m bench.effects_bench [--seconds 10]

The real app runs as its own process; one headless Chromium page opens a room's lobby with the
fake camera at 640×480 and picks each background in turn: none (the baseline, in the same run),
blur, and a bundled image. For each, once the effect runs, it counts the frames the lobby preview
shows (the processed track, exactly what joining would send) over ``--seconds`` and the CPU of
all Chromium processes. Results are ratios to no effect. The app falls back to no effect below
15 processed frames a second (app/static/js/room/effects.js).
"""

import argparse
import pathlib
import sys
import tempfile
import time

if __package__ in (None, ""):
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from bench.e2ee_bench import chromium_processes, cpu_seconds  # noqa: E402
from tests.support import services  # noqa: E402
from tests.support.browser import launch_chromium  # noqa: E402
from tests.support.live import LiveServer  # noqa: E402

BACKGROUNDS = [("none", "None"), ("blur", "Blur"), ("image", "Dusk")]  # data-background, label

# Frames the preview shows over ``seconds``, and the frame size it shows.
COUNT_FRAMES = """
(seconds) => new Promise((resolve) => {
  const video = document.getElementById("preview");
  let frames = 0;
  const started = performance.now();
  const tick = () => {
    frames += 1;
    if (performance.now() - started < seconds * 1000) video.requestVideoFrameCallback(tick);
    else resolve({ fps: frames / ((performance.now() - started) / 1000),
      width: video.videoWidth, height: video.videoHeight });
  };
  video.requestVideoFrameCallback(tick);
})
"""


def measure(browser, url, kind, label, seconds):
    context = browser.new_context(permissions=["camera", "microphone"], viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(url)
    page.wait_for_selector("#preview-placeholder", state="hidden")
    page.get_by_label(label, exact=True).check()
    if kind != "none":
        page.wait_for_selector(f"#preview[data-background={kind}]", timeout=90000)
    time.sleep(3)  # past the effect's warm-up
    browsers = chromium_processes()
    before, started = cpu_seconds(browsers), time.monotonic()
    frames = page.evaluate(COUNT_FRAMES, seconds)
    elapsed = time.monotonic() - started
    status = page.text_content("#effects-status")
    result = dict(frames, cpu=(cpu_seconds(browsers) - before) / elapsed, status=status)
    context.close()
    time.sleep(1)
    return result


def run(seconds):
    from playwright.sync_api import sync_playwright

    directory = pathlib.Path(tempfile.mkdtemp(prefix="parlor-bench-effects-"))
    mail = services.Mailbox().start()
    live = LiveServer(directory, mail, None).start()
    results = {}
    try:
        live.flask("create-admin", "bench@example.com")
        live.flask("rooms", "create", "bench-effects", "--owner", "bench@example.com")
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            for key, label in BACKGROUNDS:
                results[key] = measure(browser, f"{live.url}/bench-effects", key, label, seconds)
            browser.close()
    finally:
        live.stop()
        mail.stop()
    return results


def report(results):
    base = results["none"]
    print(f"\nBackground effects benchmark, one lobby preview, fake camera at {base['width']}×{base['height']}")
    print(f"{'':32} {'fps':>7} {'ratio':>7} {'CPU (cores)':>12} {'ratio':>7}")
    for key, _ in BACKGROUNDS:
        row = results[key]
        fps_ratio = row["fps"] / base["fps"] if base["fps"] else float("nan")
        cpu_ratio = row["cpu"] / base["cpu"] if base["cpu"] else float("nan")
        print(f"{key:32} {row['fps']:7.1f} {fps_ratio:6.2f}x {row['cpu']:12.2f} {cpu_ratio:6.2f}x")
        if row["status"]:
            print(f"  said to the person: {row['status']}")
    print("(the app turns an effect off below 15 processed frames a second)")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="how long each background is measured")
    args = parser.parse_args(argv)
    report(run(args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
