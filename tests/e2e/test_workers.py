"""Two app workers sharing PostgreSQL-or-SQLite and Redis: people on different workers meet."""

import re
import time

import pytest
import requests
import socketio

from ..support import services
from ..support.live import LiveServer, join_meeting, sign_in, wait_decoding
from ..support.required import unavailable
from ..support.sockets import PUBLIC_KEY


@pytest.fixture
def two_workers(tmp_path, mail_sink):
    try:
        redis = services.redis_server(tmp_path)
    except RuntimeError as error:
        unavailable(str(error))
    shared = {
        "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
        "DATABASE_URL": f"sqlite:///{tmp_path}/shared.db",
        "SECRET_KEY": "two-workers-share-this-secret-key-0123456789",
    }
    workers = []
    try:
        for name in ("one", "two"):
            directory = tmp_path / name
            directory.mkdir()
            workers.append(LiveServer(directory, mail_sink, None, extra_env=shared).start())
        yield workers
    finally:
        for worker in workers:
            worker.stop()
        redis.stop()


def test_people_on_different_workers_meet(two_workers, new_page):
    """With Redis as the message queue, do two people served by different workers see and hear each other?"""
    first, second = two_workers
    first.flask("create-admin", "workers@example.com")
    first.flask("rooms", "create", "two-workers", "--owner", "workers@example.com")
    alice, bob = new_page(), new_page()
    join_meeting(alice, f"{first.url}/two-workers", "Alice")
    alice.wait_for_selector("#meeting:not([hidden])")
    join_meeting(bob, f"{second.url}/two-workers", "Bob")
    bob.wait_for_selector("#meeting:not([hidden])")
    wait_decoding(alice, tracks=1)
    wait_decoding(bob, tracks=1)
    assert alice.text_content("#people-count") == "2" and bob.text_content("#people-count") == "2"


def raw_participant(server, room):
    """A scripted client on ``server``: its own session, a ticket from the lobby, no browser."""
    session = requests.Session()
    ticket = re.search(r'data-ticket="([^"]+)"', session.get(f"{server.url}/{room}", timeout=10).text).group(1)
    cookies = "; ".join(f"{name}={value}" for name, value in session.cookies.items())
    return ticket, {"Cookie": cookies}


def test_kick_reaches_sockets_on_another_worker(two_workers, new_page):
    """Does a host on one worker cut off a raw client whose two sockets (one ticket) sit on another?"""
    first, second = two_workers
    first.flask("create-admin", "workers@example.com")
    first.flask("rooms", "create", "two-workers", "--owner", "workers@example.com")
    host = new_page()
    host.on("dialog", lambda dialog: dialog.accept())
    sign_in(host, first, "workers@example.com")
    join_meeting(host, f"{first.url}/two-workers", "Host")
    host.wait_for_selector("#meeting:not([hidden])")

    ticket, headers = raw_participant(second, "two-workers")
    heard = {0: [], 1: []}
    clients = []
    for index in (0, 1):
        client = socketio.Client(reconnection=False)
        client.on("chat", lambda message, index=index: heard[index].append(message["text"]))
        client.connect(second.url, auth={"ticket": ticket}, headers=headers, transports=["polling"])
        clients.append(client)
    deadline = time.time() + 10
    while clients[0].connected and time.time() < deadline:  # the second socket replaced the first
        time.sleep(0.1)
    assert not clients[0].connected
    assert clients[1].call("join", {"name": "Mallory", "key": PUBLIC_KEY}, timeout=10)["status"] == "joined"

    host.click("#people-toggle")
    host.get_by_role("button", name="Remove Mallory from the meeting").click()
    deadline = time.time() + 10
    while clients[1].connected and time.time() < deadline:
        time.sleep(0.1)
    assert not clients[1].connected
    host.click("#chat-toggle")
    host.fill("#chat-input", "after the kick")
    host.press("#chat-input", "Enter")
    time.sleep(1)
    assert heard == {0: [], 1: []}

    again = socketio.Client(reconnection=False)
    with pytest.raises(socketio.exceptions.ConnectionError):
        again.connect(second.url, auth={"ticket": ticket}, headers=headers, transports=["polling"])
