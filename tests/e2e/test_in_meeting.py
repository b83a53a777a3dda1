"""In the meeting, in real browsers: shared screens beside cameras, hands, reactions, spotlight, shortcuts."""

import re
import time

import pytest
from playwright.sync_api import expect

from app.plans import LARGE

from ..support.live import in_meeting, join_meeting, sign_in, wait_decoding

SCREENSHOTS = "meeting-screenshots"


def meet(new_page, url, names, viewport=None):
    """Pages for ``names`` joined to the meeting at ``url``, in order."""
    pages = []
    for name in names:
        page = new_page(viewport)
        join_meeting(page, url, name)
        in_meeting(page)
        pages.append(page)
    return pages


TILE_OF = """(name) => [...document.querySelectorAll('.tile[data-id]')]
  .find((t) => t.querySelector('.tile-name').textContent === name)"""


def person_id(page, name):
    """The participant id behind the tile a page shows for ``name``."""
    page.wait_for_function(f"(name) => Boolean(({TILE_OF})(name))", arg=name)
    return page.evaluate(f"(name) => ({TILE_OF})(name).dataset.id", name)


def sharer_id(viewer):
    return viewer.evaluate("() => document.querySelector('.tile-screen').dataset.screen")


def share_screen_and_check(sharer, viewers, cameras):
    """``sharer`` shares; every viewer must decode ``cameras`` cameras plus the screen, with a screen tile."""
    sharer.click("#screen-toggle")
    expect(sharer.locator(".tile-screen[data-screen='self']")).to_contain_text("You are sharing")
    expect(sharer.locator("#screen-toggle")).to_have_attribute("aria-pressed", "true")
    for viewer in viewers:
        expect(viewer.locator(".tile-screen")).to_have_count(1, timeout=20000)
        wait_decoding(viewer, tracks=cameras + 1, timeout=60)
        # The sharer's camera tile and screen tile both play a picture at once.
        viewer.wait_for_function(
            """([camera]) => [`.tile[data-id="${camera}"] video`, ".tile-screen video"]
                 .every((selector) => document.querySelector(selector).videoWidth > 0)""",
            arg=[sharer_id(viewer)],
        )
    sharer.click(".tile-screen[data-screen='self'] .tile-stop")
    expect(sharer.locator(".tile-screen")).to_have_count(0)
    for viewer in viewers:
        expect(viewer.locator(".tile-screen")).to_have_count(0, timeout=15000)


def test_screen_beside_camera_peer_to_peer(room, new_page):
    """Peer-to-peer, does the other person decode the sharer's screen and camera at once, each in its own tile?"""
    sharer, viewer = meet(new_page, room["url"], ["Sam", "Vic"])
    wait_decoding(viewer, tracks=1)
    share_screen_and_check(sharer, [viewer], cameras=1)


@pytest.fixture
def large_room(live_server, request):
    name = "big-" + request.node.name.replace("_", "-")[5:25].strip("-").lower()
    email = f"{name}@example.com"
    live_server.flask("create-admin", email)
    live_server.flask("rooms", "create", name, "--owner", email, "--mode", LARGE)
    return f"{live_server.url}/{name}"


def test_screen_beside_camera_through_the_node(large_room, sfu_nodes, new_page):
    """In a large meeting, do the others decode the sharer's screen and camera at once, through the node?"""
    sfu_nodes("e2e-screen-node")
    sharer, viewer, other = meet(new_page, large_room, ["Sam", "Vic", "Oda"])
    for page in (viewer, other):
        wait_decoding(page, tracks=2, timeout=60)
    share_screen_and_check(sharer, [viewer, other], cameras=2)


def test_hand_queue_order_seen_by_a_third_person(room, new_page):
    """Does a third person see raised hands queued in the order they went up, and a lowered one leave?"""
    watcher, ann, bob = meet(new_page, room["url"], ["Wes", "Ann", "Bob"])
    bob.click("#hand-toggle")
    expect(bob.locator("#hand-toggle")).to_have_attribute("aria-pressed", "true")
    ann.keyboard.press("h")
    queue = watcher.locator("#hand-queue li")
    expect(queue).to_have_count(2)
    expect(queue.nth(0)).to_contain_text("Bob")
    expect(queue.nth(1)).to_contain_text("Ann")
    expect(watcher.locator(f".tile[data-id='{person_id(watcher, 'Bob')}'] .tile-hand")).to_have_text("✋ 1")
    expect(watcher.locator("#announcer")).to_contain_text("raised their hand")
    bob.click("#hand-toggle")
    expect(queue).to_have_count(1)
    expect(queue.nth(0)).to_contain_text("Ann")


def test_reaction_floats_over_the_senders_tile(room, new_page):
    """Does a reaction float over the sender's tile on the others' pages, and go away after a few seconds?"""
    sender, viewer = meet(new_page, room["url"], ["Rae", "Vic"])
    sender.click("#react-toggle")
    sender.click("button[aria-label='React with 🎉']")
    bubble = viewer.locator(f".tile[data-id='{person_id(viewer, 'Rae')}'] .reaction")
    expect(bubble).to_have_text("🎉")
    expect(bubble).to_have_count(0, timeout=8000)


def test_spotlight_seen_by_others(room, live_server, new_page):
    """When the host spotlights a guest, do the others see that tile spotlit, and featured in speaker view?"""
    owner = new_page()
    sign_in(owner, live_server, room["owner"])
    join_meeting(owner, room["url"], "Olga")
    in_meeting(owner)
    guest, watcher = meet(new_page, room["url"], ["Gus", "Wes"])
    owner.click("#people-toggle")
    owner.click("button[aria-label='Spotlight Gus for everyone']")
    gus = person_id(watcher, "Gus")
    expect(watcher.locator(f".tile[data-id='{gus}']")).to_have_class(re.compile(r"\bspotlit\b"))
    expect(watcher.locator("#announcer")).to_contain_text("Olga put Gus in the spotlight")
    watcher.click("#layout-toggle")
    expect(watcher.locator("#layout-toggle")).to_have_attribute("aria-pressed", "true")
    expect(watcher.locator(f".tile[data-id='{gus}']")).to_have_class(re.compile(r"\bfeatured\b"))
    expect(guest.locator(".tile[data-id='self']")).to_have_class(re.compile(r"\bspotlit\b"))
    owner.click("button[aria-label='Clear the spotlight']")
    expect(watcher.locator(".tile.spotlit")).to_have_count(0)


def test_shortcut_m_mutes_but_not_while_typing(room, new_page):
    """Does M toggle the microphone, a letter typed in the chat not, and ? open the help dialog?"""
    page, _other = meet(new_page, room["url"], ["Kay", "Lou"])
    page.keyboard.press("m")
    expect(page.locator("#mic-toggle")).to_have_attribute("aria-pressed", "true")
    expect(_other.locator("#people-toggle")).to_be_visible()
    page.click("#chat-toggle")
    page.fill("#chat-input", "")
    page.locator("#chat-input").press("m")
    expect(page.locator("#mic-toggle")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#chat-input")).to_have_value("m")
    page.locator("#chat-input").press("Escape")
    page.locator("#mic-toggle").focus()
    page.keyboard.press("m")
    expect(page.locator("#mic-toggle")).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("?")
    expect(page.locator("#shortcuts-dialog")).to_be_visible()
    expect(page.locator("#shortcuts-list")).to_contain_text("Raise or lower your hand")


def test_speaking_person_is_highlighted(room, new_page):
    """Does the fake microphone's beep light up the speaker's tile on the other page, and stop once muted?"""
    speaker, listener = meet(new_page, room["url"], ["Sid", "Liv"])
    sid = person_id(listener, "Sid")
    listener.wait_for_selector(f".tile.speaking[data-id='{sid}']", timeout=30000)
    expect(listener.locator("#people-list li").first).to_contain_text("Sid")
    speaker.keyboard.press("m")
    time.sleep(1.5)
    expect(listener.locator(f".tile.speaking[data-id='{sid}']")).to_have_count(0, timeout=5000)


def three_people_captured(room, live_server, new_page, viewport):
    """Three people in a meeting at ``viewport``: every control reachable; a screenshot to look at."""
    pages = meet(new_page, room["url"], ["Ada", "Ben", "Cy"], viewport=viewport)
    page = pages[0]
    pages[1].click("#hand-toggle")
    expect(page.locator("#hand-queue li")).to_have_count(1)
    wait_decoding(page, tracks=2)
    for button in page.locator(".toolbar .tool").all():
        if button.is_visible():
            button.scroll_into_view_if_needed()
            box = button.bounding_box()
            assert box and box["y"] + box["height"] <= viewport["height"] and box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"] + 1  # subpixel layout
    directory = live_server.directory / SCREENSHOTS
    directory.mkdir(exist_ok=True)
    path = directory / f"meeting-{viewport['width']}x{viewport['height']}.png"
    page.screenshot(path=str(path))
    return path


def test_desktop_meeting_of_three(room, live_server, new_page):
    """On a desktop, do three people fit with every control reachable?"""
    three_people_captured(room, live_server, new_page, {"width": 1280, "height": 800})


def test_phone_meeting_of_three(room, live_server, new_page):
    """On a 360 px phone, do the tiles scroll while every control stays reachable on screen?"""
    three_people_captured(room, live_server, new_page, {"width": 360, "height": 740})
