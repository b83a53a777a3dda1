"""A room inside another website: framed only by an allowed origin, talking to it by postMessage."""

import time

import pytest

from ..support.embedder import Embedder


@pytest.fixture
def embedder(live_server, room):
    """A site on localhost:<port> (another site than the app's 127.0.0.1) framing the room."""
    site = Embedder(live_server.url, room["url"])
    yield site
    site.stop()


def event_types(page):
    return [event["type"] for event in page.evaluate("window.parlorEvents")]


def test_allowed_site_frames_the_room_and_hears_joined(live_server, room, embedder, new_page):
    """Does an allowed site's <parlor-embed> show the room, join it and receive `joined`, then `left` on leave()?"""
    live_server.flask("api", "origins", "set", room["owner"], embedder.origin)
    page = new_page()
    page.goto(embedder.origin)
    page.wait_for_function("window.parlorEvents.some((e) => e.type === 'joined')", timeout=30000)
    types = event_types(page)
    assert types[0] == "ready"
    joined = next(e for e in page.evaluate("window.parlorEvents") if e["type"] == "joined")
    assert joined["detail"]["participants"] == 1
    frame = page.frame_locator("parlor-embed iframe")
    assert frame.locator("#meeting").is_visible()
    assert page.locator("parlor-embed iframe").get_attribute("allow").startswith(f"camera {live_server.url}")
    page.evaluate("document.querySelector('parlor-embed').leave()")
    page.wait_for_function("window.parlorEvents.some((e) => e.type === 'left')")
    assert "leave" in event_types(page)
    assert not page.console_errors, page.console_errors


def test_other_site_cannot_frame_the_room(live_server, room, embedder, new_page):
    """Is the room's frame blocked on a site the owner did not allow, with no message reaching it?"""
    live_server.flask("api", "origins", "set", room["owner"], "https://shop.example")
    page = new_page()
    page.goto(embedder.origin)
    time.sleep(4)  # long enough for a framed room to load and say "ready"
    assert event_types(page) == []
    child = next(frame for frame in page.frames if frame != page.main_frame)
    assert child.query_selector("#room-app") is None
