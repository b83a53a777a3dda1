"""End-to-end fixtures: the real app (and SFU nodes, coturn) as processes, driven by headless Chromium."""

import os
import time
from pathlib import Path

import pytest

from ..support import services
from ..support.browser import CHROMIUM, launch_chromium
from ..support.integrations import IntegrationsStandIn
from ..support.live import CAPTURE_PEER_CONNECTIONS, MASTER_SECRET, TURN_SECRET, LiveServer
from ..support.node import NodeProcess
from ..support.required import unavailable


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def mail_sink():
    server = services.Mailbox().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def coturn(tmp_path_factory):
    try:
        server = services.coturn_server(tmp_path_factory.mktemp("coturn"), TURN_SECRET)
    except RuntimeError as error:
        unavailable(str(error))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def integrations():
    """Stand-in embed pages for every in-meeting app service."""
    server = IntegrationsStandIn().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, mail_sink, integrations, request):
    turn_port = None
    if os.environ.get("E2E_TURN", "1") == "1":
        try:
            turn_port = request.getfixturevalue("coturn").port
        except pytest.skip.Exception:
            turn_port = None
    stripe = request.getfixturevalue("localstripe")
    extra = {"INTEGRATION_ORIGINS_JSON": integrations.origins_json()}
    server = LiveServer(tmp_path_factory.mktemp("live"), mail_sink, turn_port, stripe=stripe, extra_env=extra).start()
    yield server
    server.stop()


@pytest.fixture
def room(live_server, request):
    """A fresh room owned by a fresh account, named after the test."""
    name = "e2e-" + request.node.name.replace("_", "-")[5:30].strip("-").lower()
    email = f"{name}@example.com"
    live_server.flask("create-admin", email)
    live_server.flask("rooms", "create", name, "--owner", email)
    return {"name": name, "url": f"{live_server.url}/{name}", "owner": email}


@pytest.fixture
def sfu_nodes(live_server):
    """Start SFU nodes registered to the live app; all are stopped after the test."""
    started = []

    def start(node_id, region="eu-north"):
        node = NodeProcess(
            live_server.url,
            MASTER_SECRET,
            node_id,
            region=region,
            capacity=48,
            log_path=live_server.directory / f"node-{node_id}.log",
        )
        started.append(node)
        node.wait_listening(timeout=30)
        deadline = time.time() + 20
        while node_id not in live_server.flask("nodes", "list"):
            if time.time() > deadline:
                raise RuntimeError(f"node {node_id} did not register: {node.log_path.read_text()[-2000:]}")
            time.sleep(0.3)
        return node

    yield start
    for node in started:
        node.stop()
    for node in started:
        live_server.flask("nodes", "forget", node.node_id)


@pytest.fixture(scope="package")  # Playwright's loop must be gone before tests that use asyncio.run
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM}")
    with sync_playwright() as playwright:
        instance = launch_chromium(playwright)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser):
    """Pages in separate contexts (separate cookies, like separate people), closed after the test."""
    contexts = []

    def make(viewport=None):
        context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 800}, permissions=["camera", "microphone"]
        )
        context.add_init_script(CAPTURE_PEER_CONNECTIONS)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.console_messages = []
        page.on("console", lambda m: page.console_messages.append(f"{m.type}: {m.text}"))
        page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        page.set_default_timeout(20000)
        return page

    yield make
    for context in contexts:
        context.close()
