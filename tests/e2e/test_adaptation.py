"""Only what is seen, in the browser: a tile off screen stops its video through the node, and resumes."""

import time

import pytest

from app.plans import LARGE

from ..support.live import inbound_video, join_meeting, wait_decoding

# Hide the one remote tile as pagination or speaker view would: the element stays, unseen.
SET_REMOTE_TILE_HIDDEN = """
(hidden) => {
  const tile = document.querySelector("#tiles .tile[data-id]:not([data-id='self'])");
  tile.style.display = hidden ? "none" : "";
  return tile.dataset.id;
}
"""


@pytest.fixture
def pair(live_server, sfu_nodes, new_page, request):
    name = "seen-" + request.node.name.replace("_", "-")[5:25].strip("-").lower()
    live_server.flask("create-admin", f"{name}@example.com")
    live_server.flask("rooms", "create", name, "--owner", f"{name}@example.com", "--mode", LARGE)
    sfu_nodes(f"e2e-{name}"[:40])
    pages = [new_page({"width": 800, "height": 600}) for _ in range(2)]
    for index, page in enumerate(pages):
        join_meeting(page, f"{live_server.url}/{name}", f"Person {index + 1}")
        page.wait_for_selector("#meeting:not([hidden])")
    for page in pages:
        wait_decoding(page, tracks=1, timeout=60)
    return pages


def frames(page):
    return sum(row["framesDecoded"] for row in inbound_video(page))


def test_hidden_tile_stops_its_video_and_showing_it_resumes(pair):
    """Does a tile off screen stop getting video through the node, and get a picture again soon after it shows?"""
    viewer, _ = pair
    viewer.evaluate(SET_REMOTE_TILE_HIDDEN, True)
    time.sleep(3)  # reported after a settle, then the node stops forwarding
    start = frames(viewer)
    time.sleep(4)
    assert frames(viewer) - start <= 2  # nothing decoded while hidden (a frame in flight at most)
    viewer.evaluate(SET_REMOTE_TILE_HIDDEN, False)
    shown = time.time()
    while frames(viewer) - start < 20:
        assert time.time() - shown < 8, "no picture within 8 s of the tile showing again"
        time.sleep(0.25)


FRAMES_ENCODED = """
async () => {
  let encoded = 0;
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((r) => {
      if (r.type === "outbound-rtp" && r.kind === "video") encoded += r.framesEncoded || 0;
    });
  }
  return encoded;
}
"""


def test_a_camera_nobody_sees_stops_encoding_at_its_sender(pair):
    """When its only viewer's tile of it is off screen, does the sender stop encoding its camera, and start again?"""
    viewer, sender = pair
    viewer.evaluate(SET_REMOTE_TILE_HIDDEN, True)
    time.sleep(5)  # reported after a settle; the node waits 2 s before telling the sender
    start = sender.evaluate(FRAMES_ENCODED)
    time.sleep(3)
    assert sender.evaluate(FRAMES_ENCODED) - start <= 2, "the camera was still encoded for nobody"
    own = sender.locator('.tile[data-id="self"] video')
    assert own.evaluate("(video) => video.srcObject.getVideoTracks()[0].readyState") == "live"  # own picture on
    viewer.evaluate(SET_REMOTE_TILE_HIDDEN, False)
    shown = time.time()
    start = frames(viewer)
    while frames(viewer) - start < 20:
        assert time.time() - shown < 8, "no picture within 8 s of the tile showing again"
        time.sleep(0.25)
