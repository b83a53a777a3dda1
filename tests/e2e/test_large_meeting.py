"""Large meetings for real: four Chromium participants through an SFU node, and failover to another."""

import pytest
from playwright.sync_api import expect

from app.plans import LARGE

from ..support.live import OPEN_CONNECTIONS, join_meeting, selected_candidates, wait_decoding


@pytest.fixture
def group_room(live_server, request):
    name = "big-" + request.node.name.replace("_", "-")[5:25].strip("-").lower()
    email = f"{name}@example.com"
    live_server.flask("create-admin", email)
    live_server.flask("rooms", "create", name, "--owner", email, "--mode", LARGE)
    return f"{live_server.url}/{name}"


def test_four_people_through_one_node_then_failover(group_room, live_server, sfu_nodes, new_page):
    """Do four people each decode the other three over one connection, and again after their node is killed?"""
    nodes = {name: sfu_nodes(name) for name in ("e2e-node-1", "e2e-node-2")}  # both before the pages load (CSP)
    pages = [new_page({"width": 800, "height": 600}) for _ in range(4)]
    for index, page in enumerate(pages):
        join_meeting(page, group_room, f"Person {index + 1}")
        page.wait_for_selector("#meeting:not([hidden])")
    for page in pages:
        wait_decoding(page, tracks=3, timeout=60)
        assert page.evaluate(OPEN_CONNECTIONS) == 1
        expect(page.locator("#network-state")).to_have_text("Through Parlor's server in Stockholm")

    # Placement picks by load and measured round trip, so either node may carry the room: kill that one.
    rooms = {
        line.split()[0]: line.split()[3]
        for line in live_server.flask("nodes", "list").splitlines()
        if line.startswith("e2e-node-")
    }
    assert sorted(rooms.values()) == ["0", "1"], rooms
    carrying = next(name for name, count in rooms.items() if count == "1")
    nodes[carrying].kill()
    for page in pages:
        expect(page.locator("#network-state")).to_have_text("Reconnecting…", timeout=15000)
    for page in pages:
        wait_decoding(page, tracks=3, timeout=90)
        assert page.evaluate(OPEN_CONNECTIONS) == 1
        expect(page.locator("#network-state")).to_have_text("Through Parlor's server in Stockholm", timeout=20000)


def test_relay_only_participant_joins_through_turn(group_room, coturn, sfu_nodes, new_page):
    """Does a person whose network allows only TURN decode a large meeting's video, over a relay candidate?"""
    sfu_nodes("e2e-node-relay", turn=coturn)
    relayed, direct = new_page({"width": 800, "height": 600}), new_page({"width": 800, "height": 600})
    join_meeting(relayed, group_room + "?relay=1", "Behind a firewall")
    join_meeting(direct, group_room, "On open network")
    for page in (relayed, direct):
        page.wait_for_selector("#meeting:not([hidden])")
    for page in (relayed, direct):
        wait_decoding(page, tracks=1, timeout=60)
    pairs = selected_candidates(relayed)
    assert pairs and all(pair["local"] == "relay" for pair in pairs), pairs
