"""The examples/embed site, as a developer would run it: it books a meeting through /v1 and two
people meet inside its page, each decoding the other's video through the iframe."""

import subprocess
import sys
import time

import pytest
import requests

from ..support import services
from ..support.live import INBOUND_VIDEO


@pytest.fixture
def example_site(live_server, room):
    live_server.set_plan(room["owner"], "embedded")
    key = live_server.flask("api", "keys", "create", room["owner"], "example site").strip().splitlines()[-1]
    port = services.free_port()
    origin = f"http://localhost:{port}"
    live_server.flask("api", "origins", "set", room["owner"], origin)
    env = {"PARLOR_URL": live_server.url, "PARLOR_API_KEY": key, "EXAMPLE_PORT": str(port), "PATH": "/usr/bin:/bin"}
    process = subprocess.Popen(
        [sys.executable, "examples/embed/app.py"], cwd=services.ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(origin, timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError(f"the example site did not start: {process.stdout.read()}")
    yield origin
    process.kill()
    process.wait()


def room_frame(page):
    return next(frame for frame in page.frames if frame != page.main_frame)


def decoding(page):
    return [r for r in room_frame(page).evaluate(INBOUND_VIDEO) if r["framesDecoded"] > 0]


def test_two_people_meet_inside_the_example_site(example_site, new_page):
    """Does the example site's page join its API meeting in the frame, hear `joined`, and decode the other person?"""
    pages = []
    for name in ("Patient", "Doctor"):
        page = new_page()
        page.goto(f"{example_site}/?name={name}")
        page.wait_for_function("window.parlorEvents.some((e) => e.type === 'joined')", timeout=30000)
        pages.append(page)
    meeting_id = pages[0].text_content("#meeting-id")
    assert meeting_id and meeting_id == pages[1].text_content("#meeting-id")
    for page in pages:
        deadline = time.time() + 40
        while time.time() < deadline and not decoding(page):
            time.sleep(0.5)
        first = {r["id"]: r["framesDecoded"] for r in decoding(page)}
        assert first, "no remote video decoded inside the frame"
        time.sleep(1.5)
        assert any(r["framesDecoded"] > first.get(r["id"], 0) for r in decoding(page))
    updates = pages[0].evaluate("window.parlorEvents.filter((e) => e.type === 'participant_update')")
    assert updates and updates[-1]["detail"]
