"""Placement by measured latency, for real: a browser lobby pings two nodes, one slow to answer."""

import json
import re
import time

from app.plans import LARGE

from ..support.live import in_meeting


def rooms_on(live_server, node_id):
    for line in live_server.flask("nodes", "list").splitlines():
        if line.startswith(node_id + " "):
            return int(line.split()[3])
    return None


def test_meeting_lands_on_the_node_with_the_faster_pings(live_server, sfu_nodes, new_page):
    """With two nodes in one region, does a new meeting go to the one whose pings come back sooner?"""
    live_server.flask("create-admin", "rtt-owner@example.com")
    live_server.flask("rooms", "create", "rtt-e2e", "--owner", "rtt-owner@example.com", "--mode", LARGE)
    # Geo-IP alone would pick "e2e-rtt-a" (same region, same load, first by id): it is the slow one.
    sfu_nodes("e2e-rtt-a", ping_delay_ms=400)
    sfu_nodes("e2e-rtt-b")
    page = new_page()
    sent = []
    page.on("websocket", lambda socket: socket.on("framesent", lambda frame: sent.append(str(frame))))
    page.goto(f"{live_server.url}/rtt-e2e")
    page.wait_for_timeout(800)  # the person typing their name; the fast node's pings are done by now
    page.fill("#display-name", "Quick")
    page.click("#join-button")
    in_meeting(page)
    deadline = time.time() + 20
    while rooms_on(live_server, "e2e-rtt-b") != 1:
        assert time.time() < deadline, live_server.flask("nodes", "list")
        time.sleep(0.5)
    assert rooms_on(live_server, "e2e-rtt-a") == 0
    join = next(frame for frame in sent if '"join"' in frame)
    rtt = json.loads(re.search(r"\[.*\]", join).group(0))[1]["rtt"]
    assert rtt["e2e-rtt-b"] < rtt.get("e2e-rtt-a", float("inf"))
