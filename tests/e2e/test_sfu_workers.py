"""A node of two media workers carrying two large meetings at once, one on each worker."""

import pytest

from app.plans import LARGE

from ..support.live import join_meeting, selected_candidates, wait_decoding

PORTS = (41000, 41199)  # --udp-ports; worker 0 gets 41000-41099, worker 1 41100-41199


@pytest.fixture
def group_rooms(live_server):
    urls = []
    for name in ("workers-room-a", "workers-room-b"):
        email = f"{name}@example.com"
        live_server.flask("create-admin", email)
        live_server.flask("rooms", "create", name, "--owner", email, "--mode", LARGE)
        urls.append(f"{live_server.url}/{name}")
    return urls


def test_two_rooms_on_two_workers_each_decode(group_rooms, sfu_nodes, new_page):
    """Do two meetings on one node of two workers each decode their video, each room on its own worker's ports?"""
    node = sfu_nodes("e2e-node-workers", workers=2, udp_ports=f"{PORTS[0]}-{PORTS[1]}")
    rooms = {url: [new_page({"width": 800, "height": 600}) for _ in range(2)] for url in group_rooms}
    for url, pages in rooms.items():
        for index, page in enumerate(pages):
            join_meeting(page, url, f"Person {index + 1}")
            page.wait_for_selector("#meeting:not([hidden])")
    for pages in rooms.values():
        for page in pages:
            wait_decoding(page, tracks=1, timeout=60)

    workers = node.health()["workers"]
    assert [(w["rooms"], w["participants"]) for w in workers] == [(1, 2), (1, 2)], workers
    halves = set()
    for pages in rooms.values():
        ports = {pair["remotePort"] for page in pages for pair in selected_candidates(page)}
        assert ports and all(PORTS[0] <= port <= PORTS[1] for port in ports), ports
        room_halves = {(port - PORTS[0]) // 100 for port in ports}
        assert len(room_halves) == 1, ports  # a room lives wholly on one worker
        halves |= room_halves
    assert halves == {0, 1}
