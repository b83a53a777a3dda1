"""A large meeting with one participant behind an emulated bad link (shaping proxy in front of coturn)."""

import time

import pytest

from app.plans import LARGE

from ..support.live import join_meeting, wait_decoding
from ..support.mediastats import SNAPSHOT, diff
from ..support.shaper import LinkProfile, ShapingProxy, relay_through

WINDOW = 15


@pytest.fixture
def meeting_with_weak_link(live_server, coturn, sfu_nodes, new_page, request):
    """A direct participant and one whose traffic crosses a shaping proxy; yields both pages and the proxy."""
    name = "weak-" + request.node.originalname.replace("_", "-")[5:30].strip("-")
    live_server.flask("create-admin", f"{name}@example.com")
    live_server.flask("rooms", "create", name, "--owner", f"{name}@example.com", "--mode", LARGE)
    node = sfu_nodes(f"e2e-{name}"[:40], turn=coturn)
    proxy = ShapingProxy(("127.0.0.1", coturn.port), **request.param).start()
    proxy.node_log = node.log_path  # for a failure's message: what the node decided
    direct, weak = new_page({"width": 640, "height": 480}), new_page({"width": 640, "height": 480})
    weak.context.add_init_script(relay_through(proxy))
    for index, page in enumerate((direct, weak)):
        join_meeting(page, f"{live_server.url}/{name}", f"Person {index + 1}")
        page.wait_for_selector("#meeting:not([hidden])")
    wait_decoding(direct, tracks=1, timeout=60)
    wait_decoding(weak, tracks=1, timeout=60)
    yield direct, weak, proxy
    proxy.stop()


SCALABILITY_MODES = """
async () => {
  const modes = [];
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "outbound-rtp" && r.kind === "video" && r.framesEncoded) modes.push(r.scalabilityMode || null);
    });
  }
  return modes;
}
"""


def node_decisions(log_path, last=8):
    """The node's latest layer and pause decisions, for a failure's message."""
    lines = [line for line in log_path.read_text().splitlines() if "paused" in line or "layer" in line]
    return [line.split(" INFO ", 1)[-1] for line in lines[-last:]]


def measure(pages, window=WINDOW):
    before = [page.evaluate(SNAPSHOT) for page in pages]
    time.sleep(window)
    after = [page.evaluate(SNAPSHOT) for page in pages]
    return [diff(b, a, window) for b, a in zip(before, after, strict=True)]


@pytest.mark.parametrize(
    "meeting_with_weak_link", [{"downlink": LinkProfile(rate_kbps=400, loss=0.03, delay_ms=40)}], indirect=True
)
def test_weak_subscriber_sees_the_emulated_link(meeting_with_weak_link):
    """Does a browser behind the shaping proxy really get the set rate and loss, while a direct one is unaffected?"""
    direct, weak, proxy = meeting_with_weak_link
    seen_direct, seen_weak = measure((direct, weak))
    assert seen_weak["kbps_in"] <= 440, seen_weak
    # The link drops its 3 % (the proxy counts); the browser sees what the node's retransmissions
    # could not repair in time, which is less but never nothing on this link.
    downlink = proxy.counters()["downlink"]
    assert 0.02 <= downlink["lost"] / downlink["packets_in"] <= 0.04, downlink
    assert max(v["loss"] for v in seen_weak["video"]) > 0, seen_weak
    assert min(v["fps"] for v in seen_direct["video"]) >= 12, seen_direct


# Once a known regression (2.6 fps, 25 s frozen in 30 s, no keyframe): with the screen's video line
# beside the camera's, aiortc's router dropped every retransmission from the publisher, so its
# uplink losses were never repaired (participant.py now routes each line's RTX SSRC).
@pytest.mark.parametrize("meeting_with_weak_link", [{"uplink": LinkProfile(loss=0.03, delay_ms=40)}], indirect=True)
def test_lossy_publisher_is_seen_and_heard_smoothly(meeting_with_weak_link):
    """With 3 % loss on a publisher's uplink, does the other still see it smoothly and hear it clearly?"""
    direct, _, proxy = meeting_with_weak_link
    [seen] = measure((direct,), window=30)
    assert proxy.counters()["uplink"]["lost"] > 0
    [video], [audio] = seen["video"], seen["audio"]
    # Bars with room for a busy shared test machine (bench.network_bench measures against the issue's
    # 2 s per 40 s and 3 %): the frame path, stalling at each loss, reached 2.3 s and 10 %.
    assert video["fps"] >= 15, seen
    assert video["frozen"] <= 3.0, seen
    assert audio["concealed"] <= 0.05, seen


@pytest.mark.parametrize(
    "meeting_with_weak_link", [{"downlink": LinkProfile(rate_kbps=400, loss=0.03, delay_ms=40)}], indirect=True
)
def test_weak_subscriber_sees_smoothly_and_costs_the_other_nothing(meeting_with_weak_link):
    """On a 400 kbit/s downlink with 3 % loss, does the weak one see the other smoothly, and still send it full rate?"""
    direct, weak, proxy = meeting_with_weak_link
    assert "L1T3" in direct.evaluate(SCALABILITY_MODES)  # the camera sends temporal layers
    time.sleep(10)  # the node steps the weak one's layers down, the publisher's encoder follows
    seen_direct, seen_weak = measure((direct, weak), window=30)
    seen_weak["node"] = node_decisions(proxy.node_log)
    print("weak subscriber:", seen_weak, "direct:", seen_direct)  # shown with -s
    [received], [sent] = seen_weak["video"], seen_direct["video"]
    # Issue 13's targets: >= 12 fps, <= 3 s frozen per 40 s (here per 30 s). Measured 17.5 fps and
    # 0.8 s; with --adaptation off, README has the same test's figures.
    assert received["fps"] >= 12, seen_weak
    assert received["frozen"] <= 3.0, seen_weak
    # No Opus FEC through the node yet: 3 % random loss conceals about 4 % (issue target 3 %).
    assert max(a["concealed"] for a in seen_weak["audio"]) <= 0.06, seen_weak
    assert sent["fps"] >= 15 and sent["frozen"] <= 2.0, seen_direct


def test_a_link_too_slow_for_every_video_keeps_everyones_audio(live_server, coturn, sfu_nodes, new_page):
    """Three publishers to a 300 kbit/s downlink: are their voices kept whole, and the page told which videos wait?

    Three voices take about 150 kbit/s of that link; their base layers do not all fit beside them. Sent
    anyway, the overflow took audio with it (18.9 % concealed in the 6-person bench before the budget).
    """
    name = "weak-budget"
    live_server.flask("create-admin", f"{name}@example.com")
    live_server.flask("rooms", "create", name, "--owner", f"{name}@example.com", "--mode", LARGE)
    node = sfu_nodes(f"e2e-{name}", turn=coturn)
    proxy = ShapingProxy(
        ("127.0.0.1", coturn.port), downlink=LinkProfile(rate_kbps=300, loss=0.03, delay_ms=40)
    ).start()

    def decisions():  # the node's pause and layer decisions, for a failure's message
        lines = [line for line in node.log_path.read_text().splitlines() if "paused" in line or "layer" in line]
        print("\n".join(lines))
        return lines[-3:]

    try:
        pages = [new_page({"width": 640, "height": 480}) for _ in range(4)]
        weak = pages[-1]
        weak.context.add_init_script(relay_through(proxy))
        for index, page in enumerate(pages):
            join_meeting(page, f"{live_server.url}/{name}", f"Person {index + 1}")
            page.wait_for_selector("#meeting:not([hidden])")
        wait_decoding(pages[0], tracks=3, timeout=60)
        # The node pauses the least recent speakers' video for the weak page, and the page says so.
        weak.wait_for_selector(".tile.video-paused", timeout=40_000)
        label = weak.get_attribute(".tile.video-paused", "aria-label")
        assert "video paused (slow connection)" in label, label
        time.sleep(5)
        seen = measure(pages, window=20)
        seen_weak = seen[-1]
        assert seen_weak["kbps_in"] <= 330, seen_weak  # the link is what the test says
        assert len(seen_weak["audio"]) == 3, seen_weak
        # 2.2-5.6 % in runs so far, on a link that itself loses 3 % (no FEC through the node).
        assert max(a["concealed"] for a in seen_weak["audio"]) <= 0.08, seen_weak
        assert max(v["fps"] for v in seen_weak["video"]) >= 4, (seen_weak, decisions())  # someone is still seen
        paused = weak.locator(".tile.video-paused").count()
        assert 1 <= paused <= 2, paused
        for others in seen[:-1]:  # nobody else pays for it
            assert min(v["fps"] for v in others["video"]) >= 10, others
            assert max(a["concealed"] for a in others["audio"]) <= 0.03, others
        print("weak page:", seen_weak, "paused tiles:", paused)  # shown with -s: the figures of a passing run
        decisions()
    finally:
        proxy.stop()
