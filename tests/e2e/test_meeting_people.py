"""Who the meeting page shows and answers: pictures on tiles, removed and replaced people, strangers' signals."""

import json

import pytest
from PIL import Image
from playwright.sync_api import expect

from ..support.live import in_meeting, join_meeting, sign_in

TILE_PICTURE_LOADED = """(selector) => {
  const image = document.querySelector(selector);
  return Boolean(image && image.complete && image.naturalWidth > 0 && image.checkVisibility());
}"""
NEW_OFFER = """async () => {
  const pc = new RTCPeerConnection();
  pc.addTransceiver("video");
  const offer = await pc.createOffer();
  pc.close();
  return {type: offer.type, sdp: offer.sdp};
}"""
# Runs after the page is parsed and before its scripts: the page's own ticket gives way to another.
SAME_TICKET = """document.addEventListener("readystatechange", () => {
  if (document.readyState === "interactive") document.getElementById("room-app").dataset.ticket = %s;
});"""
LIVE_SELF_TRACKS = """() => {
  const stream = document.querySelector('.tile[data-id="self"] video').srcObject;
  return stream.getTracks().filter((track) => track.readyState === "live").length;
}"""


@pytest.fixture
def owner_with_picture(room, live_server, new_page, tmp_path):
    """The room's owner, signed in, with a profile picture uploaded through the profile page."""
    path = tmp_path / "me.png"
    Image.new("RGB", (300, 300), (200, 60, 90)).save(path)
    page = new_page()
    sign_in(page, live_server, room["owner"])
    page.goto(f"{live_server.url}/user/profile")
    page.set_input_files("#picture", str(path))
    page.click("button:has-text('Upload picture')")
    expect(page.locator(".flash").first).to_contain_text("picture is saved")
    return page


@pytest.fixture
def socket_frames(new_page):
    """A page whose Socket.IO frames pass through the test, which can add frames of its own."""
    page = new_page()
    routes = []

    def route(ws):
        ws.connect_to_server()  # everything else still flows both ways
        routes.append(ws)

    page.route_web_socket("**/socket.io/**", route)

    def send_frame(frame):
        routes[-1].send(frame)

    page.send_frame = send_frame  # raw Engine.IO text: "4" message, then Socket.IO "2" event or "1" disconnect
    page.inject = lambda event, payload: send_frame("42" + json.dumps([event, payload]))
    return page


def test_own_picture_shows_on_own_tile(room, owner_with_picture):
    """With the camera off, does a person with a profile picture see it on their own tile instead of an initial?"""
    page = owner_with_picture
    join_meeting(page, room["url"], "Owner")
    in_meeting(page)
    page.click("#camera-toggle")
    page.wait_for_function(TILE_PICTURE_LOADED, arg='.tile[data-id="self"] .tile-picture')
    assert "/user/avatars/" in page.get_attribute('.tile[data-id="self"] .tile-picture', "src")


def test_others_see_the_picture_on_the_tile(room, owner_with_picture, new_page):
    """With the owner's camera off, does a guest see the owner's profile picture on the owner's tile?"""
    owner = owner_with_picture
    join_meeting(owner, room["url"], "Owner")
    in_meeting(owner)
    guest = new_page()
    join_meeting(guest, room["url"], "Guest")
    in_meeting(guest)
    owner.click("#camera-toggle")
    guest.wait_for_function(TILE_PICTURE_LOADED, arg='.tile:not([data-id="self"]) .tile-picture')
    assert guest.locator('.tile:not([data-id="self"]) .tile-face').text_content() == ""


def test_guest_without_picture_shows_an_initial(room, new_page):
    """With the camera off, does someone without a picture show their initial, and no image?"""
    page = new_page()
    join_meeting(page, room["url"], "zoë")
    in_meeting(page)
    page.click("#camera-toggle")
    expect(page.locator('.tile[data-id="self"] .tile-face')).to_have_text("Z")
    assert page.locator(".tile-picture").count() == 0


def test_signals_from_strangers_are_ignored(room, socket_frames):
    """Does the page refuse to answer an offer, or show a tile, for an id that is not in the meeting?"""
    page = socket_frames
    join_meeting(page, room["url"], "Alone")
    in_meeting(page)
    offer = page.evaluate(NEW_OFFER)
    before = page.evaluate("window.__peerConnections.length")
    page.inject("signal", {"from": "intruder", "gen": "g1", "description": offer})
    page.inject("peer-media", {"id": "intruder", "muted": False, "camera": True, "screen": False})
    page.inject("chat", {"from": "intruder", "name": "Intruder", "text": "hello", "at": 0})
    # Someone who did join, through the same frames: their offer is answered.
    page.inject("peer-joined", {"id": "visitor", "name": "Visitor", "host": False, "muted": False, "camera": True})
    page.inject("signal", {"from": "visitor", "gen": "g1", "description": offer})
    page.wait_for_function(f"window.__peerConnections.length >= {before + 1}")
    assert page.evaluate("window.__peerConnections.length") == before + 1  # the visitor's, none for the intruder
    assert page.locator(".tile").count() == 2
    assert page.locator('.tile[data-id="intruder"]').count() == 0
    assert page.locator("#chat-log li").count() == 0


def test_page_the_server_hung_up_on_says_so(room, socket_frames):
    """When the server closes the socket on purpose, is the person told, not left "reconnecting" forever?"""
    page = socket_frames
    join_meeting(page, room["url"], "Hung up")
    in_meeting(page)
    page.send_frame("41")
    expect(page.locator("#ended-title")).to_have_text("You were disconnected")
    expect(page.locator("#rejoin-here")).to_be_visible()
    assert page.evaluate(LIVE_SELF_TRACKS) == 0


def test_page_replaced_by_another_tab_stops_and_can_take_over_again(room, new_page):
    """When the same ticket joins in a second tab, does the first stop its camera, say so, and take over on request?"""
    first = new_page()
    join_meeting(first, room["url"], "Two tabs")
    in_meeting(first)
    second = first.context.new_page()  # the same browser, holding the first tab's ticket
    second.console_errors = []
    second.on("pageerror", lambda error: second.console_errors.append(str(error)))
    second.add_init_script(SAME_TICKET % json.dumps(first.get_attribute("#room-app", "data-ticket")))
    join_meeting(second, room["url"], "Two tabs")
    in_meeting(second)
    expect(first.locator("#ended-title")).to_have_text("You joined from another tab or window")
    assert first.evaluate(LIVE_SELF_TRACKS) == 0
    expect(first.locator("#rejoin-link")).to_be_hidden()
    first.click("#rejoin-here")
    in_meeting(first)
    expect(second.locator("#ended-title")).to_have_text("You joined from another tab or window")
    expect(first.locator("#network-state")).to_have_text("Peer-to-peer, end-to-end encrypted")
    expect(first.locator(".tile")).to_have_count(1)
    assert first.evaluate(LIVE_SELF_TRACKS) == 2
    assert first.console_errors == [] and second.console_errors == []


def test_kicked_person_is_told_and_must_knock_to_come_back(room, live_server, new_page):
    """Removed by the host, is a guest told so, gone from the host's list, and let back in only by knocking?"""
    owner = new_page()
    sign_in(owner, live_server, room["owner"])
    owner.on("dialog", lambda dialog: dialog.accept())
    join_meeting(owner, room["url"], "Owner")
    in_meeting(owner)
    guest = new_page()
    join_meeting(guest, room["url"], "Guest")
    in_meeting(guest)
    expect(owner.locator("#people-count")).to_have_text("2")
    owner.click("#people-toggle")
    owner.click("button[aria-label='Remove Guest from the meeting']")
    expect(guest.locator("#ended-title")).to_have_text("You were removed")
    expect(guest.locator("#ended-message")).to_contain_text("The host removed you")
    expect(owner.locator("#people-count")).to_have_text("1")
    with guest.expect_navigation():
        guest.click("#rejoin-link")
    guest.click("#join-button")
    expect(guest.locator("#join-status")).to_contain_text("The host removed you")
    assert guest.locator("#meeting").is_hidden()
    guest.click("#knock-button")
    owner.click("#knock-list .knock button:has-text('Let in')")
    in_meeting(guest)
    expect(owner.locator("#people-count")).to_have_text("2")
