"""The node as a process: command line, registration, heartbeats, and drain on SIGTERM."""

import os
import signal
import subprocess
import sys
import time

import pytest

from ..support.fakeapp import MASTER_SECRET, FakeApp
from ..support.node import NodeProcess
from ..support.services import ROOT, free_port
from ..support.wsclient import WsClient, join_token, wait_for


def test_help_explains_every_option():
    """Does --help describe every option, and is there no flag taking the key itself?"""
    out = subprocess.run(
        [sys.executable, "-m", "sfu_node", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PARLOR_NODE_KEY": ""},
    ).stdout
    for option in (
        "--app-url",
        "--region",
        "--public-url",
        "--listen",
        "--capacity",
        "--node-id",
        "--key-file",
        "--drain-grace",
        "--metrics-listen",
        "--metrics-token-file",
        "--workers",
        "--udp-ports",
        "PARLOR_NODE_KEY",
        "PARLOR_NODE_METRICS_TOKEN",
    ):
        assert option in out
    assert "--node-key" not in out and "--key " not in out
    assert "--metrics-token " not in out


def test_missing_key_refuses_to_start():
    """Does the node exit with an explanation when no key is configured?"""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PARLOR_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "sfu_node",
            "--app-url",
            "http://127.0.0.1:9",
            "--node-id",
            "n",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert "PARLOR_NODE_KEY" in result.stderr


def test_registers_and_heartbeats_signed(fake_app, start_node):
    """Does the node register and heartbeat with signed requests carrying its load?"""
    node = start_node("node-a")
    wait_for(lambda: len(fake_app.heartbeats) >= 2, message="two heartbeats")
    registration = fake_app.registrations[0]
    assert registration == {
        "node_id": "node-a",
        "region": "test",
        "public_url": node.url,
        "version": registration["version"],
        "capacity": 50,
        "state": "serving",
    }
    beat = fake_app.heartbeats[-1]
    assert beat["state"] == "serving" and beat["rooms"] == [] and beat["participants"] == 0
    assert isinstance(beat["cpu"], float)
    for field in ("forwarded_streams", "packets_in", "packets_out"):
        assert isinstance(beat[field], int)
    assert fake_app.rejected == []


def test_reregisters_when_app_forgets_node(fake_app, start_node):
    """After the app answers a heartbeat with 404, does the node register again?"""
    start_node("node-a")
    fake_app.forget_once.add("node-a")
    wait_for(lambda: len(fake_app.registrations) >= 2, message="second registration")


def test_keeps_retrying_while_app_is_down(tmp_path):
    """Does a node whose app is unreachable keep running and register once the app appears?"""
    port = free_port()
    node = NodeProcess(f"http://127.0.0.1:{port}", MASTER_SECRET, log_path=str(tmp_path / "node.log"))
    try:
        wait_for(lambda: _healthy(node), message="node up")
        time.sleep(1.5)
        assert node.process.poll() is None and node.health()["registered"] is False
        app = FakeApp(port=port).start()
        try:
            wait_for(
                lambda: node.health()["registered"],
                timeout=20,
                message="late registration",
            )
        finally:
            app.stop()
    finally:
        node.kill()
        node.stop()


def _healthy(node) -> bool:
    try:
        node.health()
        return True
    except OSError:
        return False


def test_app_can_drain_node(fake_app, start_node):
    """When the app's heartbeat answer says draining, does the node report draining?"""
    node = start_node("node-a")
    fake_app.node_state["node-a"] = "draining"
    wait_for(lambda: node.health()["state"] == "draining", message="draining")
    fake_app.node_state["node-a"] = "serving"
    wait_for(lambda: node.health()["state"] == "serving", message="serving again")


@pytest.mark.timeout(60)
def test_sigterm_drains_then_exits_when_empty(fake_app, start_node):
    """On SIGTERM, does the node drain (refusing new rooms, keeping current ones) and exit once empty?"""
    node = start_node("node-a")
    ann = WsClient(node.ws_url, join_token(node, "daily", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    node.process.send_signal(signal.SIGTERM)
    wait_for(lambda: node.health()["state"] == "draining", message="draining")
    wait_for(
        lambda: fake_app.heartbeats[-1]["state"] == "draining",
        message="draining heartbeat",
    )
    newcomer = WsClient(node.ws_url, join_token(node, "other-room", "bob"))
    wait_for(lambda: newcomer.messages, message="refusal")
    assert newcomer.messages[0] == {"type": "error", "error": "node is draining"}
    late = WsClient(node.ws_url, join_token(node, "daily", "cat"))
    wait_for(lambda: "joined" in late.types(), message="late joiner to a current room")
    assert node.process.poll() is None
    ann.leave()
    late.leave()
    assert node.process.wait(15) == 0


def test_sigterm_grace_period_ends_drain(fake_app, start_node):
    """Does a drain that never empties end after the grace period, closing the calls?"""
    node = start_node("node-a", drain_grace=1.0)
    ann = WsClient(node.ws_url, join_token(node, "daily", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    node.process.send_signal(signal.SIGTERM)
    assert node.process.wait(15) == 0
    wait_for(
        lambda: {"type": "error", "error": "node shutting down"} in ann.messages,
        message="goodbye",
    )


def test_node_imports_neither_flask_nor_eventlet():
    """Does importing the whole node leave Flask and eventlet out of the process?"""
    code = (
        "import sys, sfu_node.__main__, sfu_node.server; "
        "print([m for m in sys.modules if m.split('.')[0] in ('flask', 'eventlet')])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "[]"
