"""Apps in a meeting, in Chromium: a stand-in YouTube player kept in sync across pages.

The room's embed origins point at tests/support/integrations.py, whose player page speaks the
YouTube player's postMessage interface; everything on Parlor's side is the real code.
"""

import json
import re

from playwright.sync_api import expect

from ..support.live import in_meeting, join_meeting

LINK = "https://www.youtube.com/watch?v=M7lc1UVf-VE"


def player(page):
    return page.frame_locator("#app-frame")


def seconds(page):
    return float(player(page).locator("#time").text_content())


def open_link(page, link):
    page.click("#apps-toggle")
    page.fill("#apps-link", link)
    page.click("#apps-form button[type=submit]")


def meet(new_page, room, names):
    pages = []
    for name in names:
        page = new_page()
        join_meeting(page, room["url"], name)
        in_meeting(page)
        pages.append(page)
    return pages


def test_youtube_plays_in_sync_and_a_joiner_catches_up(room, live_server, new_page):
    """Do play and seek in one page's player move everyone's, and does a late joiner start where the others are?"""
    live_server.set_plan(room["owner"], "pro")
    ana, ben = meet(new_page, room, ["Ana", "Ben"])
    open_link(ana, LINK)
    for page in (ana, ben):
        expect(page.locator("#app-stage")).to_be_visible()
        expect(player(page).locator("#video")).to_have_text("M7lc1UVf-VE")
    expect(ben.locator("#app-stage-title")).to_have_text("YouTube video, opened by Ana")

    player(ben).locator("#play").click()  # Ben presses play in his own player
    expect(player(ana).locator("#state")).to_have_text("playing")
    player(ana).locator("#seek-to").fill("42")
    player(ana).locator("#seek").click()
    expect(player(ben).locator("#time")).to_have_text(re.compile(r"^4[2-9]\.\d$"))

    [cleo] = meet(new_page, room, ["Cleo"])
    expect(player(cleo).locator("#state")).to_have_text("playing")
    assert 42 <= seconds(cleo) <= seconds(ana) + 3

    player(cleo).locator("#pause").click()
    for page in (ana, ben):
        expect(player(page).locator("#state")).to_have_text("paused")


def test_recent_list_holds_only_service_id_and_date_and_clears(room, live_server, new_page):
    """Does the browser's recent list keep only service, id and date, and does "Clear history" empty it?"""
    live_server.set_plan(room["owner"], "pro")
    [ana] = meet(new_page, room, ["Ana"])
    open_link(ana, LINK)
    expect(ana.locator("#app-stage")).to_be_visible()
    stored = json.loads(ana.evaluate("() => localStorage.getItem('parlor.apps.recent')"))
    assert len(stored) == 1 and set(stored[0]) == {"service", "id", "opened"}
    assert stored[0]["service"] == "youtube" and stored[0]["id"] == "M7lc1UVf-VE"
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored[0]["opened"])
    expect(ana.locator("#apps-recent li")).to_have_count(1)
    ana.click(".apps-settings summary")
    ana.click("#apps-clear")
    assert ana.evaluate("() => localStorage.getItem('parlor.apps.recent')") is None
    expect(ana.locator("#apps-recent li")).to_have_count(0)


def test_a_link_outside_the_allowlist_is_refused(room, live_server, new_page):
    """Is a link to anything but the allowed services refused with a message, and nothing opened anywhere?"""
    live_server.set_plan(room["owner"], "pro")
    ana, ben = meet(new_page, room, ["Ana", "Ben"])
    open_link(ana, "https://evil.example/watch?v=M7lc1UVf-VE")
    expect(ana.locator("#apps-error")).to_contain_text("can't be opened here")
    ana.wait_for_timeout(500)
    for page in (ana, ben):
        assert page.locator("#app-stage").is_hidden()
        assert page.locator("#app-frame").count() == 0


def test_free_rooms_have_no_apps(room, new_page):
    """Without a paid plan (and the owner's say), is there no Apps button?"""
    [ana] = meet(new_page, room, ["Ana"])
    assert ana.locator("#apps-toggle").is_hidden()
