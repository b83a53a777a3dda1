"""An auto room for real: three browsers peer-to-peer, two more move everyone to the node, and back."""

import time

import pytest
from playwright.sync_api import expect

from app.plans import AUTO

from ..support.live import OPEN_CONNECTIONS, join_meeting, wait_decoding

PEERS = "Peer-to-peer, end-to-end encrypted"
NODE = "Through Parlor's server in Stockholm"
ENCRYPTED = "End-to-end encrypted"


@pytest.fixture
def auto_room(live_server, request):
    name = "auto-" + request.node.name.replace("_", "-")[5:25].strip("-").lower()
    email = f"{name}@example.com"
    live_server.flask("create-admin", email)
    live_server.set_plan(email, "pro")
    live_server.flask("rooms", "create", name, "--owner", email, "--mode", AUTO)
    return f"{live_server.url}/{name}"


def wait_connections(page, count, timeout=30):
    deadline = time.time() + timeout
    while page.evaluate(OPEN_CONNECTIONS) != count:
        assert time.time() < deadline, f"{page.evaluate(OPEN_CONNECTIONS)} open connections, expected {count}"
        time.sleep(0.25)


def test_auto_room_moves_to_the_node_and_back(auto_room, sfu_nodes, new_page):
    """Do 3 peers move to one node connection each when 2 more join, and back, end-to-end encrypted throughout?"""
    sfu_nodes("e2e-node-1")  # registered before the pages load, so their CSP allows it
    pages = [new_page({"width": 640, "height": 480}) for _ in range(5)]
    for index, page in enumerate(pages[:3]):
        join_meeting(page, auto_room, f"Person {index + 1}")
        page.wait_for_selector("#meeting:not([hidden])")
    for page in pages[:3]:
        wait_decoding(page, tracks=2, timeout=60)
        assert page.evaluate(OPEN_CONNECTIONS) == 2  # one peer connection per remote person
        expect(page.locator("#network-state")).to_have_text(PEERS)
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)

    for index, page in enumerate(pages[3:], start=4):
        join_meeting(page, auto_room, f"Person {index}")
        page.wait_for_selector("#meeting:not([hidden])")
    for index, page in enumerate(pages):
        expect(page.locator("#network-state")).to_have_text(NODE, timeout=60000)
        wait_connections(page, 1, timeout=60)
        try:
            wait_decoding(page, tracks=4, timeout=90)
        except AssertionError as error:
            states = [(p.text_content("#network-state"), p.console_messages[-8:]) for p in pages]
            raise AssertionError(f"page {index + 1}: {error}; every page: {states}") from None
        assert page.evaluate(OPEN_CONNECTIONS) == 1
    for page in pages:
        assert page.locator(".tile video").count() == 5
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)

    for page in pages[3:]:
        page.click("#leave-button")
    for page in pages[:3]:
        expect(page.locator("#network-state")).to_have_text(PEERS, timeout=60000)
        wait_connections(page, 2, timeout=60)
        wait_decoding(page, tracks=2, timeout=60)
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)
    for page in pages[:3]:
        assert page.console_errors == []


# New frames painted in the shared screen's tile over a second: a screen tile left on an ended
# track keeps its last picture (and its size) but paints nothing new.
SCREEN_FRAMES = """async () => {
  const video = document.querySelector(".tile-screen video");
  if (!video) return 0;
  let frames = 0;
  const count = () => { frames += 1; video.requestVideoFrameCallback(count); };
  video.requestVideoFrameCallback(count);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  return frames;
}"""


SCREEN_TRACK = """() => {
  const video = document.querySelector(".tile-screen video");
  const stream = video && video.srcObject;
  return stream ? stream.getTracks().map((t) => `${t.kind} ${t.readyState} muted=${t.muted}`) : null;
}"""


def wait_screen_playing(page, when, timeout=60):
    expect(page.locator(".tile-screen")).to_have_count(1, timeout=timeout * 1000)
    deadline = time.time() + timeout
    while page.evaluate(SCREEN_FRAMES) < 2:
        if time.time() > deadline:
            raise AssertionError(f"{when}: the shared screen's tile paints nothing new: {page.evaluate(SCREEN_TRACK)}")


def test_shared_screen_stays_through_both_moves(auto_room, sfu_nodes, new_page):
    """Does a screen shared peer-to-peer keep playing for everyone through the move to the node and back?"""
    sfu_nodes("e2e-node-1")
    pages = [new_page({"width": 640, "height": 480}) for _ in range(5)]
    for index, page in enumerate(pages[:3]):
        join_meeting(page, auto_room, f"Person {index + 1}")
        page.wait_for_selector("#meeting:not([hidden])")
    sharer, viewers = pages[0], pages[1:3]
    for page in viewers:
        wait_decoding(page, tracks=2, timeout=60)
    sharer.click("#screen-toggle")
    expect(sharer.locator(".tile-screen[data-screen='self']")).to_contain_text("You are sharing")
    for page in viewers:
        wait_screen_playing(page, "peer-to-peer")

    for index, page in enumerate(pages[3:], start=4):
        join_meeting(page, auto_room, f"Person {index}")
        page.wait_for_selector("#meeting:not([hidden])")
    for page in pages:
        expect(page.locator("#network-state")).to_have_text(NODE, timeout=60000)
        wait_connections(page, 1, timeout=60)
    for page in pages[1:]:  # the two who joined on the node get the screen there too
        wait_screen_playing(page, "on the node", timeout=90)

    for page in pages[3:]:
        page.click("#leave-button")
    for page in pages[:3]:
        expect(page.locator("#network-state")).to_have_text(PEERS, timeout=60000)
        wait_connections(page, 2, timeout=60)
    for page in viewers:
        wait_screen_playing(page, "back peer-to-peer")
    expect(sharer.locator("#screen-toggle")).to_have_attribute("aria-pressed", "true")

    sharer.click(".tile-screen[data-screen='self'] .tile-stop")
    for page in viewers:
        expect(page.locator(".tile-screen")).to_have_count(0, timeout=15000)
    for page in pages[:3]:
        assert page.console_errors == []
