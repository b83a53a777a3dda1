"""A large meeting with one participant behind an emulated bad link (shaping proxy in front of coturn)."""

import time

import pytest

from app.plans import LARGE

from ..support.live import join_meeting, wait_decoding
from ..support.mediastats import SNAPSHOT, diff
from ..support.shaper import LinkProfile, ShapingProxy, relay_through

WINDOW = 15


@pytest.fixture
def weak_link(coturn):
    downlink = LinkProfile(rate_kbps=400, loss=0.03, delay_ms=40)
    proxy = ShapingProxy(("127.0.0.1", coturn.port), downlink=downlink).start()
    yield proxy
    proxy.stop()


def test_weak_subscriber_sees_the_emulated_link(live_server, coturn, sfu_nodes, new_page, weak_link):
    """Does a browser behind the shaping proxy really get the set rate and loss, while a direct one is unaffected?"""
    live_server.flask("create-admin", "weak@example.com")
    live_server.flask("rooms", "create", "weak-link-room", "--owner", "weak@example.com", "--mode", LARGE)
    sfu_nodes("e2e-node-weak", turn=coturn)
    direct, weak = new_page({"width": 640, "height": 480}), new_page({"width": 640, "height": 480})
    weak.context.add_init_script(relay_through(weak_link))
    for index, page in enumerate((direct, weak)):
        join_meeting(page, f"{live_server.url}/weak-link-room", f"Person {index + 1}")
        page.wait_for_selector("#meeting:not([hidden])")
    wait_decoding(direct, tracks=1, timeout=60)
    wait_decoding(weak, tracks=1, timeout=60)
    before = [page.evaluate(SNAPSHOT) for page in (direct, weak)]
    time.sleep(WINDOW)
    after = [page.evaluate(SNAPSHOT) for page in (direct, weak)]
    seen_direct, seen_weak = (diff(b, a, WINDOW) for b, a in zip(before, after, strict=True))
    assert seen_weak["kbps_in"] <= 440, seen_weak
    assert max(v["loss"] for v in seen_weak["video"]) >= 0.02, seen_weak
    assert weak_link.counters()["downlink"]["lost"] > 0
    assert min(v["fps"] for v in seen_direct["video"]) >= 12, seen_direct
