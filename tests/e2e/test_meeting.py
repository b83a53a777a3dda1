"""Small meetings for real: headless Chromium with fake cameras, media checked with getStats()."""

import time

import pytest
from playwright.sync_api import expect

from ..support.live import TURN_SECRET, in_meeting, join_meeting, selected_candidates, sign_in, wait_decoding


def test_three_people_decode_each_other(room, new_page):
    """Do three participants each decode video frames from the other two?"""
    pages = [new_page() for _ in range(3)]
    for index, page in enumerate(pages):
        join_meeting(page, room["url"], f"Person {index + 1}")
        in_meeting(page)
    for page in pages:
        rows = wait_decoding(page, tracks=2)
        assert len(rows) >= 2
        assert page.locator(".tile").count() == 3
        assert page.text_content("#people-count") == "3"
    assert page.text_content("#network-state") == "Peer-to-peer, end-to-end encrypted"
    for page in pages:
        assert page.console_errors == []


def drop_first_offer(dropped):
    """A WebSocket route that relays Socket.IO faithfully, except the page's first offer: a signal lost on the way."""

    def route(socket):
        server = socket.connect_to_server()

        def outgoing(message):
            if not dropped and '"signal"' in message and '"type":"offer"' in message:
                dropped.append(message)
                return
            server.send(message)

        socket.on_message(outgoing)
        server.on_message(socket.send)

    return route


def test_an_offer_lost_on_the_way_is_sent_again(room, new_page):
    """When the joiner's offer never reaches the other, is it sent again, so the two still meet?"""
    first, second = new_page(), new_page()
    join_meeting(first, room["url"], "Ada")
    in_meeting(first)
    dropped = []
    second.route_web_socket("**/socket.io/**", drop_first_offer(dropped))
    join_meeting(second, room["url"], "Bo")
    in_meeting(second)
    for page in (first, second):
        wait_decoding(page, tracks=1, timeout=40)
    assert len(dropped) == 1
    assert any("offer sent again" in message for message in second.console_messages)
    assert first.console_errors == [] and second.console_errors == []


def test_fifth_person_is_refused(room, new_page):
    """With four people in, is the fifth told the room is full and kept out entirely?"""
    pages = [new_page() for _ in range(4)]
    for index, page in enumerate(pages):
        join_meeting(page, room["url"], f"Person {index + 1}")
        in_meeting(page)
    fifth = new_page()
    join_meeting(fifth, room["url"], "Person 5")
    expect(fifth.locator("#join-status")).to_contain_text("This room is full")
    assert fifth.locator("#meeting").is_hidden()
    assert fifth.evaluate("window.__peerConnections.length") == 0
    time.sleep(1)
    assert pages[0].text_content("#people-count") == "4"


@pytest.fixture
def locked_meeting(room, live_server, new_page):
    """The owner in their meeting, with the room locked, and a visitor who has knocked."""
    owner = new_page()
    sign_in(owner, live_server, room["owner"])
    join_meeting(owner, room["url"], "Owner")
    in_meeting(owner)
    owner.click("#lock-toggle")
    expect(owner.locator("#lock-toggle")).to_have_attribute("aria-pressed", "true")
    visitor = new_page()
    join_meeting(visitor, room["url"], "Visitor")
    visitor.wait_for_selector("#knock-button:not([hidden])")
    visitor.click("#knock-button")
    expect(visitor.locator("#join-status")).to_contain_text("Waiting for the host")
    owner.wait_for_selector("#knock-list .knock")
    assert "Visitor is knocking" in owner.text_content("#knock-list")
    return owner, visitor


def test_locked_room_visitor_is_admitted(locked_meeting):
    """Does a visitor knock on a locked room and get in when the owner admits them?"""
    owner, visitor = locked_meeting
    owner.click("#knock-list .knock button:has-text('Let in')")
    in_meeting(visitor)
    wait_decoding(visitor, tracks=1)
    wait_decoding(owner, tracks=1)


def test_locked_room_visitor_is_denied(locked_meeting):
    """Does a denied visitor see the outcome and stay in the lobby?"""
    owner, visitor = locked_meeting
    owner.click("#knock-list .knock button:has-text('Deny')")
    expect(visitor.locator("#join-status")).to_contain_text("did not let you in")
    assert visitor.locator("#meeting").is_hidden()


def test_meeting_through_turn(room, live_server, coturn, new_page):
    """Forced through TURN (relay only), do both sides still decode video, over relay candidates?"""
    pages = [new_page(), new_page()]
    for index, page in enumerate(pages):
        join_meeting(page, room["url"] + "?relay=1", f"Relayed {index}")
        in_meeting(page)
    for page in pages:
        wait_decoding(page, tracks=1)
        pairs = selected_candidates(page)
        assert pairs and all(pair["local"] == "relay" for pair in pairs), pairs


TRY_TURN = """
async ({url, username, credential}) => {
  const pc = new RTCPeerConnection({iceServers: [{urls: url, username, credential}], iceTransportPolicy: "relay"});
  const errors = [];
  const relays = [];
  pc.addEventListener("icecandidateerror", (e) => errors.push(e.errorCode));
  pc.addEventListener("icecandidate", (e) => {
    if (e.candidate && e.candidate.type === "relay") relays.push(e.candidate.candidate);
  });
  pc.createDataChannel("probe");
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === "complete") resolve();
    pc.addEventListener("icegatheringstatechange", () => pc.iceGatheringState === "complete" && resolve());
    setTimeout(resolve, 8000);
  });
  pc.close();
  return {errors, relays: relays.length};
}
"""


def test_coturn_checks_the_credentials(live_server, coturn, new_page):
    """Does coturn grant a relay for a good credential and refuse a wrong or expired one?"""
    import base64
    import hashlib
    import hmac

    def credential(username, secret=TURN_SECRET):
        return base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()

    page = new_page()
    page.goto(live_server.url + "/")
    url = f"turn:127.0.0.1:{coturn.port}?transport=udp"
    good = f"{int(time.time()) + 600}:probe"
    expired = f"{int(time.time()) - 600}:probe"
    ok = page.evaluate(TRY_TURN, {"url": url, "username": good, "credential": credential(good)})
    wrong = page.evaluate(TRY_TURN, {"url": url, "username": good, "credential": credential(good, "not-the-secret")})
    old = page.evaluate(TRY_TURN, {"url": url, "username": expired, "credential": credential(expired)})
    assert ok["relays"] >= 1, ok
    assert wrong["relays"] == 0 and 401 in wrong["errors"], wrong
    assert old["relays"] == 0 and 401 in old["errors"], old


def test_pro_host_records_in_the_browser(room, live_server, sfu_nodes, new_page):
    """Does a Pro host's recording show for everyone and end as a WebM file downloaded by the host?"""
    sfu_nodes("e2e-recording-node")  # Pro rooms hold large meetings, through a node
    live_server.set_plan(room["owner"], "pro")
    host = new_page()
    sign_in(host, live_server, room["owner"])
    host.on("dialog", lambda dialog: dialog.accept())
    join_meeting(host, room["url"], "Host")
    in_meeting(host)
    guest = new_page()
    join_meeting(guest, room["url"], "Guest")
    in_meeting(guest)
    wait_decoding(host, tracks=1)
    host.click("#record-toggle")
    expect(guest.locator("#recording-state")).to_be_visible()
    expect(host.locator("#record-toggle")).to_have_text("Stop recording")
    time.sleep(3)
    with host.expect_download() as download_info:
        host.click("#record-toggle")
    data = download_info.value.path().read_bytes()
    assert download_info.value.suggested_filename.endswith(".webm")
    assert data[:4] == b"\x1a\x45\xdf\xa3" and len(data) > 10_000
    expect(guest.locator("#recording-state")).to_be_hidden()


def test_guest_sees_no_record_button(room, new_page):
    """Is the record button shown only to the host of a plan that includes recording?"""
    guest = new_page()
    join_meeting(guest, room["url"], "Guest")
    in_meeting(guest)
    assert guest.locator("#record-toggle").count() == 0


def test_connection_is_rebuilt_after_a_network_failure(room, new_page):
    """When one side's connection dies, does the other notice, show it, and build a new one that works?"""
    first, second = new_page(), new_page()
    for index, page in enumerate((first, second)):
        join_meeting(page, room["url"], f"Person {index}")
        in_meeting(page)
    wait_decoding(first, tracks=1)
    wait_decoding(second, tracks=1)
    first.evaluate("() => window.__peerConnections.forEach((pc) => pc.close())")  # the network blip
    expect(second.locator("#network-state")).to_have_text("Reconnecting…", timeout=30000)
    wait_decoding(second, tracks=1, timeout=60)
    wait_decoding(first, tracks=1, timeout=60)
    expect(second.locator("#network-state")).to_have_text("Peer-to-peer, end-to-end encrypted")
    assert second.evaluate("() => window.__peerConnections.length") >= 2  # a new connection, not a restart


def test_mute_camera_and_screen_share_reach_the_others(room, new_page):
    """Do mute, camera-off and screen sharing show on the other person's tile, with video still flowing?"""
    first, second = new_page(), new_page()
    for index, page in enumerate((first, second)):
        join_meeting(page, room["url"], f"Person {index}")
        in_meeting(page)
    wait_decoding(second, tracks=1)
    first.click("#mic-toggle")
    first.click("#camera-toggle")
    tile = second.locator(".tile[data-id]:not([data-id=self])")  # the person's tile, not their screen's
    expect(tile).to_contain_text("muted, camera off")
    first.click("#camera-toggle")
    first.click("#screen-toggle")
    expect(first.locator("#screen-toggle")).to_have_attribute("aria-pressed", "true")
    expect(tile).to_contain_text("sharing screen")
    wait_decoding(second, tracks=1)
    first.click("#screen-toggle")
    expect(tile).not_to_contain_text("sharing screen")


def test_chat_between_browsers(room, new_page):
    """Does a chat message typed in one browser appear in the other, as text (never as markup)?"""
    first, second = new_page(), new_page()
    for index, page in enumerate((first, second)):
        join_meeting(page, room["url"], f"Person {index}")
        in_meeting(page)
    first.click("#chat-toggle")
    first.fill("#chat-input", "<b>hello</b> & welcome")
    first.press("#chat-input", "Enter")
    expect(second.locator("#chat-unread")).to_have_text("1")
    second.click("#chat-toggle")
    expect(second.locator("#chat-log li").last).to_contain_text("<b>hello</b> & welcome")
    assert second.locator("#chat-log b").count() == 0


def test_noise_suppression_is_the_browsers_and_remembered(room, new_page):
    """Does unticking "Noise suppression" switch the microphone's filter off at once, and stay off on the next visit?"""
    page = new_page()
    page.goto(room["url"])
    page.wait_for_function("() => document.getElementById('preview').srcObject")
    read = "() => document.getElementById('preview').srcObject.getAudioTracks()[0].getSettings().noiseSuppression"
    assert page.evaluate(read) is True
    page.uncheck("#noise-suppression")
    page.wait_for_function(f"() => ({read})() === false")
    page.reload()
    page.wait_for_function("() => document.getElementById('preview').srcObject")
    expect(page.locator("#noise-suppression")).not_to_be_checked()
    assert page.evaluate(read) is False
    page.fill("#display-name", "Quiet")
    page.click("#join-button")
    in_meeting(page)
    sent = "() => document.querySelector('.tile[data-id=\"self\"] video').srcObject.getAudioTracks()[0]"
    assert page.evaluate(f"() => ({sent})().getSettings().noiseSuppression") is False
