"""End-to-end encryption for real: browsers through a node seal every frame, and someone at the node cannot look."""

import re
import time

import pytest
from playwright.sync_api import expect

from app.plans import LARGE

from ..support.eavesdropper import (
    Listening,
    allow_unencrypted,
    audible,
    decode_audio,
    decode_video,
    is_keyframe_header,
    key_index,
    loudness,
    node_token,
    room_id,
)
from ..support.live import in_meeting, join_meeting, wait_decoding
from ..support.signaling_log import SignalingLog, attacker_public_key, swap_public_keys

ENCRYPTED = "End-to-end encrypted"
NOT_ENCRYPTED = "Not end-to-end encrypted"
# A browser without encoded transforms: the APIs frame encryption needs are not there.
NO_ENCODED_TRANSFORMS = """
delete window.RTCRtpScriptTransform;
delete RTCRtpSender.prototype.createEncodedStreams;
delete RTCRtpReceiver.prototype.createEncodedStreams;
"""

VIDEO_SIZES = """
async () => {
  const rows = [];
  for (const pc of window.__peerConnections) {
    if (pc.connectionState === "closed") continue;
    (await pc.getStats()).forEach((r) => {
      if (r.kind === "video" && (r.type === "inbound-rtp" || r.type === "outbound-rtp") && r.frameWidth) {
        rows.push({ type: r.type, width: r.frameWidth, height: r.frameHeight });
      }
    });
  }
  return rows;
}
"""


@pytest.fixture
def large_room(live_server, request):
    name = "e2ee-" + request.node.name.replace("_", "-")[5:25].strip("-").lower()
    email = f"{name}@example.com"
    live_server.flask("create-admin", email)
    live_server.set_plan(email, "pro")
    live_server.flask("rooms", "create", name, "--owner", email, "--mode", LARGE)
    return name


def test_the_node_forwards_only_ciphertext(large_room, live_server, sfu_nodes, new_page):
    """Do 3 browsers decode each other through a node while a token holder at the node decodes nothing?"""
    node = sfu_nodes("e2e-node-1")
    pages = [new_page({"width": 640, "height": 480}) for _ in range(3)]
    for index, page in enumerate(pages):
        join_meeting(page, f"{live_server.url}/{large_room}", f"Person {index + 1}")
        in_meeting(page)
    for page in pages:
        wait_decoding(page, tracks=2, timeout=60)
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)

    with Listening(node.ws_url, node_token(node, room_id(live_server, large_room))) as spy:
        time.sleep(8)
        for page in pages:
            wait_decoding(page, tracks=2, timeout=20)  # still decoding each other meanwhile
    assert spy.errors == []
    video, audio = spy.of("video"), spy.of("audio")
    assert len(video) > 100 and len(audio) > 300, (
        f"the node served every stream: {len(video)} video, {len(audio)} audio"
    )
    assert all(key_index(frame) is not None for frame in video + audio), "every frame carries a key trailer"
    assert is_keyframe_header(video[0]), "the node still finds keyframes in the clear header"
    pictures, _ = decode_video(video)
    assert pictures == [], f"{len(pictures)} of {len(video)} frames decoded to a picture"
    samples, refused = decode_audio(audio)
    assert not audible(samples, refused, len(audio)), f"{refused} of {len(audio)} refused, loudness {loudness(samples)}"
    for page in pages:
        sizes = page.evaluate(VIDEO_SIZES)
        sent = {(row["width"], row["height"]) for row in sizes if row["type"] == "outbound-rtp"}
        shown = [(row["width"], row["height"]) for row in sizes if row["type"] == "inbound-rtp"]
        # Real pictures: the camera's 4:3 shape, at most its size (a busy sender's encoder may scale down).
        assert len(shown) == 2 and all(0 < w <= 640 and w * 3 == h * 4 for w, h in shown), (sent, sizes)


def test_who_left_never_gets_the_key_that_follows(large_room, live_server, sfu_nodes, new_page):
    """After someone leaves, do the others' frames carry a key index the leaver never received?"""
    node = sfu_nodes("e2e-node-1")
    pages = [new_page({"width": 640, "height": 480}) for _ in range(3)]
    logs = [SignalingLog(page) for page in pages]
    with Listening(node.ws_url, node_token(node, room_id(live_server, large_room))) as spy:
        for index, page in enumerate(pages):
            join_meeting(page, f"{live_server.url}/{large_room}", f"Person {index + 1}")
            in_meeting(page)
        for page in pages:
            wait_decoding(page, tracks=2, timeout=60)
            expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)
        stayers = [log.self_id() for log in logs[:2]]
        given = {(message["from"], message["index"]) for message in logs[2].events("media-key")}
        assert {sender for sender, _ in given} == set(stayers), "the leaver had the others' keys"
        pages[2].click("#leave-button")
        # The others make new keys, hand them round and seal with them a second later; on a busy
        # machine the node's forwarding and the spy's reading may lag a few seconds behind.
        deadline = time.monotonic() + 30
        while True:
            later = {sender: {key_index(frame) for frame in spy.of("video", sender)[-30:]} for sender in stayers}
            fresh = all(indices and all((s, i) not in given for i in indices) for s, indices in later.items())
            if fresh or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        for page in pages[:2]:
            wait_decoding(page, tracks=1, timeout=30)
            expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED)
    for sender, indices in later.items():
        assert indices and all((sender, index) not in given for index in indices), (sender, indices, given)


def test_verification_codes_match_and_show_a_swapped_key(room, new_page):
    """Do two people see the same code for each other, and different ones when the app swaps a public key?"""
    first, second = new_page(), new_page()
    join_meeting(first, room["url"], "Ada")
    in_meeting(first)
    join_meeting(second, room["url"], "Bo")
    in_meeting(second)
    for page in (first, second):
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)
    ada_code, bo_code = read_code(first, "Bo"), read_code(second, "Ada")
    assert ada_code == bo_code
    bo_tile = first.locator(".tile").filter(has_text="Bo")
    bo_tile.locator(".tile-verify").click()
    first.click("#verify-match")
    expect(bo_tile).to_have_attribute("data-verified", "true")
    expect(bo_tile.locator(".tile-verify")).to_have_text("Verified ✓")

    # A third person whose page the "app" lies to: every public key it relays there is the attacker's.
    third = new_page()
    third.route_web_socket("**/socket.io/**", swap_public_keys(attacker_public_key()))
    join_meeting(third, room["url"], "Cy")
    in_meeting(third)
    expect(third.locator(".tile")).to_have_count(3)
    assert read_code(first, "Cy") != read_code(third, "Ada")
    # Nor can the lied-to page open Ada's frames: the key she sealed for Cy is not the attacker's.
    expect(third.locator("#e2ee-state")).not_to_have_text(ENCRYPTED, timeout=5000)


def read_code(page, name):
    """Open "Verify encryption" on someone's tile, read the code the dialog shows, close it."""
    page.locator(".tile").filter(has_text=name).locator(".tile-verify").click()
    expect(page.locator("#verify-code")).to_have_text(re.compile(r"^\d{5}( \d{5}){4}$"))
    code = page.text_content("#verify-code")
    page.click("#verify-cancel")
    return code


def test_lobby_tells_a_browser_without_encoded_transforms_it_cannot_join(room, new_page):
    """Does a browser that cannot encrypt frames hear, before joining, that it cannot join?"""
    page = new_page()
    page.add_init_script(NO_ENCODED_TRANSFORMS)
    page.goto(room["url"])
    expect(page.locator("#e2ee-unsupported")).to_contain_text("This browser cannot join")
    expect(page.locator("#join-button")).to_be_disabled()


def test_an_allowed_unencrypted_browser_turns_encryption_off_for_all(large_room, live_server, sfu_nodes, new_page):
    """With a browser that cannot encrypt in (the room allows it), does every page say so, and the node see all?"""
    node = sfu_nodes("e2e-node-1")
    allow_unencrypted(live_server, large_room)
    pages = [new_page({"width": 640, "height": 480}) for _ in range(3)]
    pages[2].add_init_script(NO_ENCODED_TRANSFORMS)
    pages[2].goto(f"{live_server.url}/{large_room}")
    expect(pages[2].locator("#e2ee-unsupported")).to_contain_text("not end-to-end encrypted for anyone")
    for index, page in enumerate(pages):
        join_meeting(page, f"{live_server.url}/{large_room}", f"Person {index + 1}")
        in_meeting(page)
    for page in pages:
        wait_decoding(page, tracks=2, timeout=60)
        expect(page.locator("#e2ee-state")).to_have_text(NOT_ENCRYPTED, timeout=30000)

    # The same eavesdropper as above: with clear frames it sees and hears (so its "nothing" above means something).
    with Listening(node.ws_url, node_token(node, room_id(live_server, large_room))) as spy:
        time.sleep(8)
    pictures, _ = decode_video(spy.of("video"))
    samples, refused = decode_audio(spy.of("audio"))
    assert len(pictures) > 100
    assert audible(samples, refused, len(spy.of("audio"))), f"{refused} refused, loudness {loudness(samples)}"

    pages[2].click("#leave-button")
    for page in pages[:2]:
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)
        wait_decoding(page, tracks=1, timeout=30)


# The first ``count`` encoded transforms the page attaches go to a worker that never reads them,
# as Chromium sometimes leaves a batch of new transforms wired to nothing: no frame gets through.
STALL_FIRST_TRANSFORMS = """
(() => {
  let left = %d;
  const nowhere = () => new Worker("/static/js/e2ee/derive.js", { type: "module" });
  for (const proto of [RTCRtpSender.prototype, RTCRtpReceiver.prototype]) {
    const own = Object.getOwnPropertyDescriptor(proto, "transform");
    Object.defineProperty(proto, "transform", {
      configurable: true,
      get() { return own.get.call(this); },
      set(transform) {
        if (left > 0) {
          left -= 1;
          transform = new RTCRtpScriptTransform(nowhere(), {});
        }
        own.set.call(this, transform);
      },
    });
  }
  window.stalledTransformsLeft = () => left;
})();
"""


def test_a_transform_that_never_sees_a_frame_is_attached_again(room, new_page):
    """When a connection's encoded transforms get no frames, is each attached afresh, so both pictures arrive?"""
    ada = new_page()
    join_meeting(ada, room["url"], "Ada")
    in_meeting(ada)
    bo = new_page()
    bo.add_init_script(STALL_FIRST_TRANSFORMS % 4)  # both of Bo's senders and receivers to Ada
    join_meeting(bo, room["url"], "Bo")
    in_meeting(bo)
    for page in (ada, bo):
        wait_decoding(page, tracks=1, timeout=40)
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=20000)
    assert bo.evaluate("window.stalledTransformsLeft()") == 0  # the stall really happened
    restarted = [m for m in bo.console_messages if "frame encryption restarted" in m]
    for side in ("audio sender", "video sender", "audio receiver", "video receiver"):
        assert any(side in m for m in restarted), (side, restarted)
    assert bo.console_errors == [] and ada.console_errors == []
