"""Breakout groups for real: four browsers in pairs, each decoding only its partner, then back together,
peer-to-peer and through a node."""

import time

import pytest
from playwright.sync_api import expect

from ..support.live import (
    CONNECTION_DETAILS,
    OPEN_CONNECTIONS,
    in_meeting,
    inbound_video,
    join_meeting,
    peer_or_node_room,
    sign_in,
    wait_decoding,
)

# Frames one tile's video has shown so far (0 while nothing decoded reaches it).
TILE_FRAMES = """(id) => {
  const video = document.querySelector(`.tile[data-id="${CSS.escape(id)}"] video`);
  return video && video.srcObject ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
}"""
REMOTE_TILES = "() => [...document.querySelectorAll('.tile')].map((t) => t.dataset.id).filter((id) => id !== 'self')"
ENCRYPTED = "End-to-end encrypted"


def wait_connections(page, count, timeout=45):
    deadline = time.time() + timeout
    while page.evaluate(OPEN_CONNECTIONS) != count:
        assert time.time() < deadline, f"{page.evaluate(OPEN_CONNECTIONS)} open connections, expected {count}"
        time.sleep(0.25)


def tile_playing(page, person_id, timeout=45):
    """Wait until the person's tile shows frames, and more a moment later."""
    deadline = time.time() + timeout
    first = page.evaluate(TILE_FRAMES, person_id)
    while time.time() < deadline:
        time.sleep(1)
        now = page.evaluate(TILE_FRAMES, person_id)
        if now > first > 0:
            return
        first = now
    raise AssertionError(f"the tile of {person_id} shows no moving picture")


@pytest.fixture(params=["peer-to-peer", "node"])
def breakout_room(request, live_server):
    """A room whose meeting (and so each group) runs peer-to-peer, or one that runs through a node."""
    room = peer_or_node_room(request, live_server, f"breakout-{request.param}")
    if request.param == "peer-to-peer":
        room["connections"] = {"together": 3, "in pairs": 1}  # one per remote person
    else:
        room["connections"] = {"together": 1, "in pairs": 1}  # one to the node, a group's or the room's
    return room


def test_breakout_pairs_see_only_each_other_then_everyone(breakout_room, live_server, new_page):
    """In groups of 2+2, does each page decode only its partner, and after the 30 s warning all three others again?"""
    room, connections = breakout_room, breakout_room["connections"]
    host = new_page()
    sign_in(host, live_server, room["owner"])
    join_meeting(host, room["url"], "Hana")
    in_meeting(host)
    guests = {}
    for name in ("Ari", "Ben", "Cy"):
        page = new_page()
        join_meeting(page, room["url"], name)
        in_meeting(page)
        guests[name] = page
    pages = {"Hana": host, **guests}
    for page in pages.values():
        wait_decoding(page, tracks=3, timeout=60)

    # The host splits by hand, with the keyboard-reachable dialog: Hana and Ari, Ben and Cy.
    host.click("#breakout-toggle")
    dialog = host.get_by_role("dialog", name="Breakout groups")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Number of groups").fill("2")
    dialog.get_by_label("I choose").check()
    plan = {"Hana (you)": "1", "Ari": "1", "Ben": "2", "Cy": "2"}
    for name, group in plan.items():
        dialog.get_by_label(f"Group for {name}", exact=True).select_option(group)
    dialog.get_by_role("button", name="Open groups").click()
    expect(dialog.locator("#breakout-summary")).to_contain_text("2 groups open")
    dialog.get_by_role("button", name="Done").click()
    host.click("#people-toggle")  # the people list shows the host who is in which group
    for group, names in (("Group 1", ("Hana", "Ari")), ("Group 2", ("Ben", "Cy"))):
        for name in names:
            expect(host.locator("#breakout-roster-list li", has_text=group)).to_contain_text(name)

    partners = {"Hana": "Ari", "Ari": "Hana", "Ben": "Cy", "Cy": "Ben"}
    groups = {"Hana": "Group 1", "Ari": "Group 1", "Ben": "Group 2", "Cy": "Group 2"}
    ids = {}
    for name, page in pages.items():
        expect(page.locator("#breakout-where")).to_have_text(f"You are in {groups[name]}.", timeout=20000)
        if name != "Hana":  # read out by screen readers
            expect(page.locator("#announcer")).to_have_text(f"You moved to {groups[name]}.")
        expect(page.locator(".tile")).to_have_count(2, timeout=20000)  # themselves and their partner
        expect(page.locator(f".tile .tile-name:text-is('{partners[name]}')")).to_be_visible()
    for name, page in pages.items():
        [ids[partners[name]]] = page.evaluate(REMOTE_TILES)
    for name, page in pages.items():
        wait_connections(page, connections["in pairs"])  # none to the other pair
        wait_decoding(page, tracks=1, timeout=60)
        assert len(inbound_video(page)) == 1  # one picture comes in: the partner's
        tile_playing(page, ids[partners[name]])
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)

    # The host's message reaches both groups; then everyone comes back after the warning.
    host.click("#breakout-toggle")
    dialog.get_by_label("Message to all groups").fill("Two more minutes")
    dialog.get_by_role("button", name="Send to all").click()
    for page in pages.values():
        expect(page.locator("#breakout-message")).to_have_text("Hana to all groups: Two more minutes")
    dialog.get_by_role("button", name="Close groups (30-second warning)").click()
    dialog.get_by_role("button", name="Done").click()
    for page in pages.values():
        expect(page.locator("#breakout-time")).to_contain_text("Groups close in")
    for page in pages.values():
        expect(page.locator("#breakout-bar")).to_be_hidden(timeout=60000)
        expect(page.locator(".tile")).to_have_count(4, timeout=20000)
    for name, page in pages.items():
        wait_connections(page, connections["together"])
        try:
            wait_decoding(page, tracks=3, timeout=60)
        except AssertionError as error:  # the cause may be another page's: say what each has
            others = {other: p.evaluate(CONNECTION_DETAILS) for other, p in pages.items() if p is not page}
            for other, p in pages.items():
                print("WORKER", other, [w.evaluate("() => self.__state && self.__state()") for w in p.workers])
            raise AssertionError(f"{name}: {error}; the others' connections: {others}") from None
        expect(page.locator("#e2ee-state")).to_have_text(ENCRYPTED, timeout=30000)
    for page in pages.values():
        assert page.console_errors == []
