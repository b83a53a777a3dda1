"""End to end: headless Chromium pages meeting through a real node subprocess."""

import time

import pytest

from ..support.browser import launch_chromium

playwright_sync = pytest.importorskip("playwright.sync_api")

PARTICIPANTS = ["ann", "bob", "cat", "dan"]
# Counts live peer connections so the test can check the client keeps exactly one.
COUNT_PEER_CONNECTIONS = """
(() => {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__pcs.push(pc);
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
})();
"""
LIVE_PCS = "window.__pcs.filter((pc) => pc.connectionState !== 'closed').length"


@pytest.fixture(scope="module")
def browser():
    with playwright_sync.sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


def open_participants(browser, fake_app, room):
    pages = []
    for name in PARTICIPANTS:
        context = browser.new_context()
        page = context.new_page()
        page.add_init_script(COUNT_PEER_CONNECTIONS)
        page.goto(f"{fake_app.url}/harness/index.html?participant={name}&room={room}")
        pages.append(page)
    return pages


def inbound(page, kind: str) -> dict:
    return {row["mid"]: row["count"] for row in page.evaluate(f"window.inboundStats('{kind}')")}


def wait_all_decoding(pages, expected: int, timeout: float, kind: str = "video") -> dict:
    """Wait until every page has ``expected`` inbound streams whose counts keep rising.

    For video the count is frames decoded, for audio packets received.
    """
    deadline = time.monotonic() + timeout
    before = {i: inbound(page, kind) for i, page in enumerate(pages)}
    rising = {}
    while time.monotonic() < deadline:
        time.sleep(2)
        now = {i: inbound(page, kind) for i, page in enumerate(pages)}
        # A stream counts only if it decoded at least a few frames since the last look.
        rising = {i: sum(1 for mid, frames in now[i].items() if frames >= before[i].get(mid, 0) + 5) for i in now}
        if all(count >= expected for count in rising.values()):
            return now
        before = now
    states = [page.evaluate("[window.states, window.startError, window.messages.slice(-5)]") for page in pages]
    raise AssertionError(f"not every page has {expected} rising {kind} streams: {rising} {states}")


def test_four_browsers_decode_each_other_and_survive_node_death(browser, fake_app, start_node):
    """Do four Chromium participants decode three videos each, over one connection, even after the node dies?"""
    node_a = start_node("node-a")
    fake_app.current_node = (node_a.node_id, node_a.ws_url)
    pages = open_participants(browser, fake_app, "standup")
    print("node-a frames decoded:", wait_all_decoding(pages, expected=3, timeout=90))
    wait_all_decoding(pages, expected=3, timeout=30, kind="audio")
    assert [page.evaluate(LIVE_PCS) for page in pages] == [1, 1, 1, 1]
    assert node_a.health()["participants"] == 4

    node_a.process.kill()
    node_b = start_node("node-b")
    fake_app.current_node = (node_b.node_id, node_b.ws_url)
    print("node-b frames decoded:", wait_all_decoding(pages, expected=3, timeout=90))
    assert [page.evaluate(LIVE_PCS) for page in pages] == [1, 1, 1, 1]
    assert node_b.health()["participants"] == 4


def test_four_browsers_decode_each_other_through_packet_forwarding(browser, fake_app, start_node):
    """With packet forwarding, do four Chromium participants decode three videos and hear three voices each?"""
    node = start_node("node-p", extra_args=("--forwarding", "packets"))
    fake_app.current_node = (node.node_id, node.ws_url)
    pages = open_participants(browser, fake_app, "packets")
    print("frames decoded:", wait_all_decoding(pages, expected=3, timeout=90))
    wait_all_decoding(pages, expected=3, timeout=30, kind="audio")
    assert [page.evaluate(LIVE_PCS) for page in pages] == [1, 1, 1, 1]
