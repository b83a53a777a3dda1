"""Hosts in real browsers: the host link from /user/rooms, and a host's remote mute reaching the audio."""

import time

from playwright.sync_api import expect

from ..support.live import in_meeting, join_meeting, sign_in

# The loudest inbound audio level over the page's open connections right now (0 is silence).
INBOUND_AUDIO_LEVEL = """async () => {
  let loudest = null;
  for (const pc of window.__peerConnections) {
    if (pc.connectionState !== "connected") continue;  // a dead connection keeps its last level forever
    (await pc.getStats()).forEach((report) => {
      if (report.type === "inbound-rtp" && report.kind === "audio" && report.audioLevel !== undefined) {
        loudest = Math.max(loudest || 0, report.audioLevel);
      }
    });
  }
  return loudest;
}"""


def loudest_over(page, seconds):
    """The highest inbound audio level seen over ``seconds`` (Chromium's fake microphone beeps)."""
    levels = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        levels.append(page.evaluate(INBOUND_AUDIO_LEVEL) or 0)
        time.sleep(0.1)
    return max(levels)


def test_host_link_hosts_until_regenerated(room, live_server, new_page):
    """Does the host link make a second browser host, and regenerating unhost them and void the old link?"""
    owner = new_page()
    sign_in(owner, live_server, room["owner"])
    owner.goto(f"{live_server.url}/user/rooms")
    link = owner.get_by_role("textbox", name="Host link").input_value()
    assert f"/{room['name']}?host=" in link

    linked = new_page()
    join_meeting(linked, link, "Linked host")
    in_meeting(linked)
    assert "host=" not in linked.url  # dropped from the address bar
    assert link.split("host=")[1] not in (live_server.directory / "web.log").read_text()
    expect(linked.locator("#lock-toggle")).to_be_visible()
    expect(linked.locator("#mute-all")).to_be_visible()

    owner.click("button:has-text('Regenerate')")
    expect(owner.locator(".flash").first).to_contain_text("new host link")
    assert owner.get_by_role("textbox", name="Host link").input_value() != link
    expect(linked.locator("#host-notice")).to_contain_text("you no longer host")
    expect(linked.locator("#mute-all")).to_be_hidden()

    late = new_page()
    late.goto(link)
    expect(late.locator(".lobby-panel .notice:not([hidden])")).to_contain_text("This host link no longer works")
    late.fill("#display-name", "Old link")
    late.click("#join-button")
    in_meeting(late)
    expect(late.locator("#mute-all")).to_be_hidden()
    expect(late.locator("#lock-toggle")).to_be_hidden()


def test_remote_mute_silences_the_person_for_everyone(room, live_server, new_page):
    """When the host mutes a guest, is the guest told who did it, and does the guest's audio at the host fall to 0?"""
    owner = new_page()
    sign_in(owner, live_server, room["owner"])
    join_meeting(owner, room["url"], "Olga")
    in_meeting(owner)
    guest = new_page()
    join_meeting(guest, room["url"], "Gus")
    in_meeting(guest)
    expect(owner.locator("#network-state")).to_have_text("Peer-to-peer, end-to-end encrypted")
    deadline = time.time() + 20
    while loudest_over(owner, 1.5) == 0:
        assert time.time() < deadline, "the guest's fake microphone never reached the host"

    owner.click("#people-toggle")
    owner.click("button[aria-label='Mute Gus']")
    expect(guest.locator("#host-notice")).to_contain_text("Olga muted your microphone")
    expect(guest.locator("#mic-toggle")).to_have_attribute("aria-pressed", "true")
    expect(owner.locator("#people-list")).to_contain_text("Gus · muted")
    deadline = time.time() + 10
    while loudest_over(owner, 2) > 0:
        assert time.time() < deadline, "the guest's audio still reaches the host after the mute"

    guest.click("#mic-toggle")  # the guest may unmute themselves
    deadline = time.time() + 10
    while loudest_over(owner, 1.5) == 0:
        assert time.time() < deadline, "the guest could not unmute"


def test_cohost_promotion_and_hand_over(room, live_server, new_page):
    """Does a promoted guest get host controls, all see the badge, and the co-host take over when the host leaves?"""
    owner = new_page()
    sign_in(owner, live_server, room["owner"])
    join_meeting(owner, room["url"], "Olga")
    in_meeting(owner)
    guest, watcher = new_page(), new_page()
    for page, name in ((guest, "Gus"), (watcher, "Wanda")):
        join_meeting(page, room["url"], name)
        in_meeting(page)
    expect(owner.locator("#people-count")).to_have_text("3")
    expect(guest.locator("#lock-toggle")).to_be_hidden()

    owner.click("#people-toggle")
    owner.click("button[aria-label='Make Gus a co-host']")
    expect(guest.locator("#host-notice")).to_have_text("Olga made you a co-host.")
    expect(guest.locator("#lock-toggle")).to_be_visible()
    watcher.click("#people-toggle")
    expect(watcher.locator("#people-list")).to_contain_text("Gus · co-host")

    owner.click("#leave-button")
    expect(watcher.locator("#host-notice")).to_have_text("Olga left. Gus hosts the meeting now.")
    expect(watcher.locator("#people-list")).to_contain_text("Gus · host")
    expect(guest.locator("#host-notice")).to_have_text("Olga left. You host the meeting now.")
