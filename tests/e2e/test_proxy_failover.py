"""Two browsers on two workers behind the deployed HAProxy config; one worker is killed mid-meeting."""

import time

import pytest
from playwright.sync_api import expect

from ..support.live import in_meeting, join_meeting, wait_decoding
from ..support.signaling_log import SignalingLog

pytestmark = pytest.mark.chaos


def worker_of(page):
    return next(c["value"] for c in page.context.cookies() if c["name"] == "parlor_worker")


def joins(log):
    """How many times the page has been answered "joined" (the first join, then each rejoin)."""
    return sum(1 for answer in log.events("ack") if isinstance(answer, dict) and answer.get("status") == "joined")


def test_a_killed_worker_does_not_end_the_meeting_in_the_browser(cluster, new_page):
    """SIGKILL the worker one browser is on: is it back within 5 s, chatting and seeing video, with no reload?"""
    cluster.room("browser-failover")
    alice, bob = new_page(), new_page()
    alice_log = SignalingLog(alice)
    bob.context.add_cookies([{"name": "parlor_worker", "value": "w2", "url": cluster.url}])
    alice.context.add_cookies([{"name": "parlor_worker", "value": "w1", "url": cluster.url}])
    join_meeting(alice, f"{cluster.url}/browser-failover", "Alice")
    in_meeting(alice)
    join_meeting(bob, f"{cluster.url}/browser-failover", "Bob")
    in_meeting(bob)
    wait_decoding(alice, tracks=1)
    wait_decoding(bob, tracks=1)
    assert (worker_of(alice), worker_of(bob)) == ("w1", "w2")
    alice.evaluate("() => { window.__loadedOnce = true; }")  # gone if the page reloads

    cluster.kill("w1")
    killed = time.time()
    bob.click("#chat-toggle")
    bob.fill("#chat-input", "are you still there?")
    deadline = killed + 5
    while worker_of(alice) != "w2" and time.time() < deadline:
        time.sleep(0.1)
    assert worker_of(alice) == "w2", "Alice's page did not reconnect to the other worker within 5 s"
    # Back in the meeting once the other worker answers her rejoin: a chat line sent before that
    # is not hers to get (chat is never stored), so Bob sends only then.
    while joins(alice_log) < 2 and time.time() < killed + 10:
        time.sleep(0.1)
    assert joins(alice_log) == 2, f"Alice was not back in the meeting 10 s after the kill ({joins(alice_log)} joins)"
    expect(alice.locator("#people-count")).to_have_text("2")
    bob.press("#chat-input", "Enter")
    expect(alice.locator("#chat-unread")).to_have_text("1", timeout=5000)
    wait_decoding(alice, tracks=1, timeout=20)
    wait_decoding(bob, tracks=1, timeout=20)
    assert alice.evaluate("() => window.__loadedOnce") is True
    assert alice.console_errors == [] or all("socket.io" in e or "WebSocket" in e for e in alice.console_errors)
