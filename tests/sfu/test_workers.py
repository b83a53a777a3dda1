"""A node of several media worker processes (--workers): one entry, rooms on the least-loaded worker."""

import json
import os
import signal
import urllib.request

import psutil
import pytest

from sfu_node import protocol

from ..support.wsclient import WsClient, join_token, wait_for

pytestmark = pytest.mark.timeout(120)


def worker_rooms(node) -> list[int]:
    return [worker["rooms"] for worker in node.health()["workers"]]


def test_entry_hands_rooms_to_different_workers(start_node):
    """Through the one public WebSocket, do two rooms land on two different workers?"""
    node = start_node("node-w", workers=2)
    ann = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    bob = WsClient(node.ws_url, join_token(node, "room-b", "bob"))
    wait_for(lambda: "joined" in bob.types(), message="bob joined")
    wait_for(lambda: worker_rooms(node) == [1, 1], message="one room per worker")
    cid = WsClient(node.ws_url, join_token(node, "room-a", "cid"))
    wait_for(lambda: "joined" in cid.types(), message="cid joined")
    assert [m for m in cid.messages if m["type"] == "joined"][0]["peers"] == [{"id": "ann", "name": "ann"}]
    workers = node.health()["workers"]
    assert [w["participants"] for w in workers] == [2, 1]  # ann's room stayed whole on its worker
    assert len({w["pid"] for w in workers} | {node.process.pid}) == 3


def test_worker_restarted_after_sigkill(start_node):
    """When a worker is killed, are its clients disconnected (so they reconnect), and is it restarted and used?"""
    node = start_node("node-w", workers=2)
    ann = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    wait_for(lambda: node.health()["workers"][0]["participants"] == 1, message="ann counted on worker 0")
    old_pid = node.worker_pids()[0]
    os.kill(old_pid, signal.SIGKILL)
    wait_for(lambda: ann.closed, message="ann's WebSocket closed")
    wait_for(
        lambda: (w := node.health()["workers"][0])["state"] == "serving" and w["pid"] != old_pid,
        timeout=20,
        message="worker 0 back",
    )
    assert node.health()["workers"][0]["restarts"] == 1 and node.process.poll() is None
    again = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in again.types(), message="ann rejoined")


def test_drain_one_worker_with_sigterm(start_node):
    """Does SIGTERM to one worker keep its room, send new rooms elsewhere, and restart it once empty?"""
    node = start_node("node-w", workers=2)
    ann = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    wait_for(lambda: worker_rooms(node) == [1, 0], message="room-a on worker 0")
    first_pid = node.worker_pids()[0]
    os.kill(first_pid, signal.SIGTERM)
    wait_for(lambda: node.health()["workers"][0]["state"] == "draining", message="worker 0 draining")
    cid = WsClient(node.ws_url, join_token(node, "room-a", "cid"))
    wait_for(lambda: "joined" in cid.types(), message="cid joined the running room")
    bob = WsClient(node.ws_url, join_token(node, "room-b", "bob"))
    wait_for(lambda: "joined" in bob.types(), message="bob joined a new room")
    wait_for(lambda: [w["participants"] for w in node.health()["workers"]] == [2, 1], message="room-b on worker 1")
    assert node.health()["state"] == "serving"
    ann.leave()
    cid.leave()
    wait_for(
        lambda: (w := node.health()["workers"][0])["pid"] != first_pid and w["state"] == "serving",
        timeout=20,
        message="worker 0 replaced after draining",
    )


def test_node_drain_drains_every_worker(fake_app, start_node):
    """When the app drains the node, does every worker report draining, and serve again when undone?"""
    node = start_node("node-w", workers=2)
    fake_app.node_state["node-w"] = "draining"
    wait_for(lambda: {w["state"] for w in node.health()["workers"]} == {"draining"}, message="all draining")
    refused = WsClient(node.ws_url, join_token(node, "room-new", "ann"))
    wait_for(lambda: "error" in refused.types(), message="new room refused")
    assert refused.messages[0]["error"] == "node is draining"
    fake_app.node_state["node-w"] = "serving"
    wait_for(lambda: {w["state"] for w in node.health()["workers"]} == {"serving"}, message="all serving")


def test_heartbeat_reports_each_worker(fake_app, start_node):
    """Does the heartbeat carry each worker's load next to the node's totals?"""
    node = start_node("node-w", workers=2)
    ann = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    wait_for(lambda: fake_app.heartbeats[-1]["participants"] == 1, message="a heartbeat counting ann")
    beat = fake_app.heartbeats[-1]
    assert [(w["index"], w["participants"]) for w in beat["workers"]] == [(0, 1), (1, 0)]
    assert beat["rooms"] == [{"name": "room-a", "participants": 1}]


def test_metrics_label_each_worker(start_node):
    """Does /metrics keep the node totals and add gauges labelled by worker?"""
    node = start_node("node-w", workers=2)
    ann = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    wait_for(lambda: node.health()["participants"] == 1, message="ann counted")
    with urllib.request.urlopen(node.metrics_url + "/metrics", timeout=5) as response:
        text = response.read().decode()
    assert "parlor_sfu_participants 1.0" in text
    assert 'parlor_sfu_worker_participants{worker="0"} 1.0' in text
    assert 'parlor_sfu_worker_participants{worker="1"} 0.0' in text
    assert 'parlor_sfu_worker_up{worker="1"} 1.0' in text


def signed_control(node, path: str, payload: dict) -> dict:
    body = json.dumps(payload).encode()
    headers = protocol.sign_request(node.key, node.node_id, "POST", path, body)
    request = urllib.request.Request(node.url + path, data=body, headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


def test_app_kick_reaches_the_rooms_worker_and_sticks(start_node):
    """Does the app's signed kick, sent to the entry, remove the participant from its worker and bar them?"""
    node = start_node("node-w", workers=2)
    WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    mallory = WsClient(node.ws_url, join_token(node, "room-b", "mallory"))
    wait_for(lambda: "joined" in mallory.types(), message="mallory joined")
    assert signed_control(node, "/control/kick", {"room": "room-b", "participant": "mallory"}) == {
        "ok": True,
        "found": True,
    }
    wait_for(lambda: "kicked" in mallory.types(), message="mallory kicked")
    again = WsClient(node.ws_url, join_token(node, "room-b", "mallory"))
    wait_for(lambda: "error" in again.types(), message="mallory refused")
    assert again.messages[0]["error"] == "removed from this meeting"


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_workers_die_with_a_killed_entry(start_node):
    """When the entry process is SIGKILLed (a crashed node), do its workers stop too, freeing their ports?"""
    node = start_node("node-w", workers=2)
    pids = node.worker_pids()
    node.kill()
    wait_for(lambda: all(gone(pid) for pid in pids), message="workers gone")


def test_sigterm_to_the_entry_drains_every_worker_then_exits(start_node):
    """Does SIGTERM to the entry drain all workers, keep the current room, and exit once it empties?"""
    node = start_node("node-w", workers=2)
    ann = WsClient(node.ws_url, join_token(node, "room-a", "ann"))
    wait_for(lambda: "joined" in ann.types(), message="ann joined")
    pids = node.worker_pids()
    node.process.send_signal(signal.SIGTERM)
    wait_for(lambda: {w["state"] for w in node.health()["workers"]} == {"draining"}, message="all draining")
    refused = WsClient(node.ws_url, join_token(node, "room-b", "bob"))
    wait_for(lambda: "error" in refused.types(), message="new room refused")
    assert node.process.poll() is None
    ann.leave()
    wait_for(lambda: node.process.poll() is not None, timeout=20, message="node exited")
    assert node.process.returncode == 0
    wait_for(lambda: all(gone(pid) for pid in pids), message="workers gone")
