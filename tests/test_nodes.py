import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db, socketio
from app.nodes import placement
from app.nodes.models import RoomAssignment, SfuNode
from app.nodes.services import node_key, status
from app.plans import LARGE
from app.rooms.models import Room
from sfu_node.protocol import InvalidSignature, read_join_token, sign_request

from .support.placement import add_node
from .support.sockets import PUBLIC_KEY

MASTER = "testing-node-master-secret"


def signed_post(client, path, body, node_id="node-a", key=None, now=None, headers=None):
    raw = json.dumps(body).encode()
    key = key or node_key_for(node_id)
    signed = sign_request(key, node_id, "POST", path, raw, now=now)
    signed.update(headers or {})
    return client.post(path, data=raw, headers=signed, content_type="application/json")


def node_key_for(node_id):
    from sfu_node.protocol import derive_node_key

    return derive_node_key(MASTER, node_id)


def registration(node_id="node-a", region="eu-north", capacity=48, **extra):
    return dict(
        node_id=node_id,
        region=region,
        public_url=f"http://127.0.0.1:9{len(node_id)}00",
        version="1.0",
        capacity=capacity,
        state="serving",
        **extra,
    )


def nodes(app):
    with app.app_context():
        return {n.id: n for n in db.session.scalars(sa.select(SfuNode))}


def test_register_and_heartbeat(client, app):
    """Can a node register and report its load with correctly signed requests?"""
    response = signed_post(client, "/api/nodes/register", registration())
    assert response.status_code == 200
    assert response.get_json()["heartbeat_interval"] == app.config["NODE_HEARTBEAT_INTERVAL"]
    report = registration(
        participants=7,
        forwarded_streams=42,
        packets_in=1000,
        packets_out=9000,
        cpu=23.5,
        rooms=[{"name": "room-1", "participants": 7}],
    )
    response = signed_post(client, "/api/nodes/heartbeat", report)
    assert response.get_json() == {"rooms": [], "state": "serving"}
    node = nodes(app)["node-a"]
    assert (node.participants, node.forwarded_streams, node.packets_out, node.cpu, node.rooms) == (7, 42, 9000, 23.5, 1)


@pytest.mark.parametrize(
    "case",
    ["unsigned", "bad signature", "other node's key", "stale", "future", "body names another node", "tampered body"],
)
def test_bad_node_requests_are_refused(client, app, case):
    """Are unsigned, badly signed, stale or mismatched node requests refused with 401, nothing stored?"""
    import time

    path, body = "/api/nodes/register", registration()
    if case == "unsigned":
        response = client.post(path, json=body)
    elif case == "bad signature":
        response = signed_post(client, path, body, headers={"X-Parlor-Signature": "0" * 64})
    elif case == "other node's key":
        response = signed_post(client, path, body, key=node_key_for("node-b"))
    elif case == "stale":
        response = signed_post(client, path, body, now=time.time() - 301)
    elif case == "future":
        response = signed_post(client, path, body, now=time.time() + 301)
    elif case == "body names another node":
        response = signed_post(client, path, registration(node_id="node-b"))
    else:
        raw = json.dumps(body).encode()
        headers = sign_request(node_key_for("node-a"), "node-a", "POST", path, raw)
        response = client.post(
            path, data=raw.replace(b"eu-north", b"us-east"), headers=headers, content_type="application/json"
        )
    assert response.status_code == 401
    assert "error" in response.get_json()
    assert nodes(app) == {}


def test_replayed_request_is_refused(client, app):
    """Is the exact same signed request refused the second time?"""
    raw = json.dumps(registration()).encode()
    headers = sign_request(node_key_for("node-a"), "node-a", "POST", "/api/nodes/register", raw)
    first = client.post("/api/nodes/register", data=raw, headers=headers, content_type="application/json")
    second = client.post("/api/nodes/register", data=raw, headers=headers, content_type="application/json")
    assert (first.status_code, second.status_code) == (200, 401)


def test_heartbeat_from_an_unknown_node_asks_it_to_register(client):
    """Does a heartbeat from a node the app forgot answer 404 so the node registers again?"""
    assert signed_post(client, "/api/nodes/heartbeat", registration()).status_code == 404


def test_malformed_registration_is_refused(client, app):
    """Is a registration without a region or with a bad URL refused?"""
    assert signed_post(client, "/api/nodes/register", dict(registration(), region="")).status_code == 401
    assert signed_post(client, "/api/nodes/register", dict(registration(), public_url="ftp://x")).status_code == 401
    assert nodes(app) == {}


def test_silent_node_is_dead_after_three_heartbeats(client, app, clock, runner):
    """Is a node that missed three heartbeats reported dead?"""
    from datetime import UTC

    signed_post(client, "/api/nodes/register", registration(), now=clock.now.replace(tzinfo=UTC).timestamp())
    interval = app.config["NODE_HEARTBEAT_INTERVAL"]
    with app.app_context():
        node = db.session.get(SfuNode, "node-a")
        clock.advance(timedelta(seconds=3 * interval))
        assert status(node) == "serving"
        clock.advance(timedelta(seconds=1))
        assert status(node) == "dead"
    assert "dead" in runner.invoke(args=["nodes", "list"]).output


def test_drain_and_forget(client, app, runner):
    """Does `flask nodes drain` stop new rooms (and tell the node), and `forget` remove it?"""
    signed_post(client, "/api/nodes/register", registration())
    assert "draining" in runner.invoke(args=["nodes", "drain", "node-a"]).output
    assert signed_post(client, "/api/nodes/heartbeat", registration()).get_json()["state"] == "draining"
    with app.app_context(), pytest.raises(placement.NoNodeAvailable):
        placement.choose_node("127.0.0.1")
    runner.invoke(args=["nodes", "forget", "node-a"])
    assert nodes(app) == {}
    assert runner.invoke(args=["nodes", "drain", "nope"]).exit_code != 0


@pytest.mark.parametrize(
    "ip,table,expected",
    [
        ("127.0.0.1", [("n-eu", "eu-north", 0), ("n-us", "us-east", 0)], "n-eu"),  # private: default region
        ("8.8.8.8", [("n-eu", "eu-north", 0), ("n-us", "us-east", 0)], "n-us"),  # United States
        ("81.2.69.160", [("n-north", "eu-north", 0), ("n-west", "eu-west", 0)], "n-west"),  # United Kingdom
        ("195.88.54.16", [("n-north", "eu-north", 0), ("n-west", "eu-west", 0)], "n-north"),  # Norway
        ("133.1.1.1", [("n-eu", "eu-west", 0), ("n-ap", "ap-southeast", 0)], "n-ap"),  # Japan
        ("8.8.8.8", [("a", "us-east", 30), ("b", "us-east", 5), ("c", "eu-north", 0)], "b"),  # least loaded
        ("8.8.8.8", [("a", "us-east", 48), ("c", "eu-west", 0), ("d", "ap-southeast", 0)], "c"),  # full: next region
        ("8.8.8.8", [("a", "us-east", 0, "dead"), ("c", "eu-west", 0)], "c"),  # dead nodes never
        ("8.8.8.8", [("a", "us-east", 0, "draining"), ("c", "eu-west", 0)], "c"),  # draining nodes never
        ("8.8.8.8", [("x", "mars-1", 0)], "x"),  # an unconfigured region is still a last resort
    ],
)
def test_placement(app, ip, table, expected):
    """Is a room placed in the region nearest the client, on its least-loaded live serving node?"""
    with app.app_context():
        for row in table:
            node_id, region, participants = row[:3]
            flag = row[3] if len(row) > 3 else ""
            add_node(node_id, region, participants, alive=flag != "dead", draining=flag == "draining")
        db.session.commit()
        assert placement.choose_node(ip).id == expected


@pytest.fixture
def group_rooms(app, make_user):
    from app.auth.models import User

    with app.app_context():
        owner = db.session.get(User, make_user("big@example.com", plan="pro"))
        rooms = [Room(name=f"big-room-{i}", owner=owner, mode=LARGE) for i in range(6)]
        db.session.add_all(rooms)
        db.session.commit()
        return [room.id for room in rooms]


def test_burst_of_new_rooms_spreads_out(app, group_rooms):
    """Do rooms assigned before the next heartbeat count as load, so a burst spreads over nodes?"""
    with app.app_context():
        add_node("a", "eu-north")
        add_node("b", "eu-north")
        db.session.commit()
        chosen = []
        for room_id in group_rooms:
            chosen.append(placement.node_for_room(db.session.get(Room, room_id), "127.0.0.1").id)
            db.session.commit()
        assert chosen.count("a") == chosen.count("b") == 3


def test_room_sticks_to_its_node_until_it_dies(app, group_rooms, clock):
    """Does a room stay on its node while that node lives, and move when it dies?"""
    with app.app_context():
        add_node("a", "eu-north", when=clock.now)
        db.session.commit()
        room = db.session.get(Room, group_rooms[0])
        assert placement.node_for_room(room, "127.0.0.1").id == "a"
        db.session.commit()
        add_node("b", "eu-north", when=clock.now)
        db.session.commit()
        assert placement.node_for_room(room, "8.8.8.8").id == "a"
        clock.advance(timedelta(seconds=10))
        db.session.get(SfuNode, "b").last_heartbeat_at = clock.now
        db.session.commit()
        assert placement.node_for_room(room, "127.0.0.1").id == "b"
        db.session.commit()
        assert db.session.get(RoomAssignment, room.id).node_id == "b"


def test_sfu_event_hands_out_a_token_for_the_node(app, client, group_rooms):
    """Does the lobby's socket hand a participant a join token signed for the room's node only?"""
    with app.app_context():
        add_node("a", "eu-north")
        db.session.commit()
    html = client.get("/big-room-0").get_data(as_text=True)
    ticket = re.search(r'data-ticket="([^"]+)"', html).group(1)
    assert "ws://a.example:8000" in client.get("/big-room-0").headers["Content-Security-Policy"]
    socket = socketio.test_client(app, flask_test_client=client, auth={"ticket": ticket})
    joined = socket.emit("join", {"name": "Big", "key": PUBLIC_KEY}, callback=True)
    assert joined["mode"] == "large" and joined["capacity"] == 12
    answer = socket.emit("sfu", {}, callback=True)
    assert answer["url"] == "ws://a.example:8000/ws"
    with app.app_context():
        payload = read_join_token(node_key("a"), answer["token"], node="a")
        assert payload["room"] == f"room-{group_rooms[0]}" and payload["participant"] == joined["self"]
        with pytest.raises(InvalidSignature):
            read_join_token(node_key("b"), answer["token"], node="b")
    socket.disconnect()


def test_node_grant_carries_fresh_relay_credentials(app, client, group_rooms):
    """Does a node grant carry TURN credentials for this participant, so relay-only networks reach the node?"""
    app.config.update(TURN_URLS=["turn:turn.example:3478?transport=udp"], TURN_SECRET="s3cret")
    with app.app_context():
        add_node("a", "eu-north")
        db.session.commit()
    ticket = re.search(r'data-ticket="([^"]+)"', client.get("/big-room-0").get_data(as_text=True)).group(1)
    socket = socketio.test_client(app, flask_test_client=client, auth={"ticket": ticket})
    joined = socket.emit("join", {"name": "Big", "key": PUBLIC_KEY}, callback=True)
    [server] = socket.emit("sfu", {}, callback=True)["ice"]["iceServers"]
    assert server["urls"] == ["turn:turn.example:3478?transport=udp"]
    assert server["username"].endswith(":" + joined["self"]) and server["credential"]
    socket.disconnect()


def test_small_rooms_do_not_use_nodes(app, client, make_user):
    """Is a free (small meeting) room refused a node token?"""
    from app.auth.models import User

    with app.app_context():
        db.session.add(Room(name="tiny-room", owner=db.session.get(User, make_user("tiny@example.com"))))
        db.session.commit()
    ticket = re.search(r'data-ticket="([^"]+)"', client.get("/tiny-room").get_data(as_text=True)).group(1)
    socket = socketio.test_client(app, flask_test_client=client, auth={"ticket": ticket})
    socket.emit("join", {"name": "Small", "key": PUBLIC_KEY}, callback=True)
    assert "peer-to-peer now" in socket.emit("sfu", {}, callback=True)["error"]
    socket.disconnect()


def test_no_node_gives_a_retry_answer(app, client, group_rooms):
    """With no live node, does the client get a clear retry answer instead of an error page?"""
    ticket = re.search(r'data-ticket="([^"]+)"', client.get("/big-room-0").get_data(as_text=True)).group(1)
    socket = socketio.test_client(app, flask_test_client=client, auth={"ticket": ticket})
    socket.emit("join", {"name": "Big", "key": PUBLIC_KEY}, callback=True)
    answer = socket.emit("sfu", {}, callback=True)
    assert answer["retry"] is True and "No video router" in answer["error"]
    socket.disconnect()


def test_heartbeat_keeps_each_workers_load(client, app, runner):
    """Does a node of several workers have each worker's load stored and listed by `flask nodes list`?"""
    signed_post(client, "/api/nodes/register", registration())
    workers = [
        {"index": 0, "pid": 11, "state": "serving", "rooms": 1, "participants": 12, "cpu": 61.5, "restarts": 0},
        {"index": 1, "pid": 12, "state": "draining", "rooms": 2, "participants": 5, "cpu": 20.0, "restarts": 3},
    ]
    signed_post(client, "/api/nodes/heartbeat", registration(participants=17, workers=workers))
    stored = nodes(app)["node-a"].workers
    assert [(w["index"], w["state"], w["participants"], w["restarts"]) for w in stored] == [
        (0, "serving", 12, 0),
        (1, "draining", 5, 3),
    ]
    listing = runner.invoke(args=["nodes", "list"]).output
    assert re.search(r"worker 1\s+draining\s+2\s+5\s+20\.0\s+restarts 3", listing), listing


def test_single_process_node_has_no_workers(client, app):
    """Does a heartbeat without workers (an older node, or --workers 1) clear a previous list?"""
    signed_post(client, "/api/nodes/register", registration(workers=[{"index": 0, "state": "serving"}]))
    signed_post(client, "/api/nodes/heartbeat", registration())
    assert nodes(app)["node-a"].workers is None


@pytest.mark.parametrize(
    "workers",
    [
        "all of them",
        [None, 7, {"index": -1, "state": "<script>", "rooms": "x", "participants": True, "cpu": "hot"}],
        [{"state": "serving"}] * 300,
    ],
)
def test_malformed_workers_are_cleaned(client, app, workers):
    """Is a malformed worker list dropped or reduced to well-formed fields, never an error?"""
    response = signed_post(client, "/api/nodes/heartbeat", registration(workers=workers))
    assert response.status_code in (200, 404)
    signed_post(client, "/api/nodes/register", registration(workers=workers))
    stored = nodes(app)["node-a"].workers
    assert stored is None or len(stored) <= 256
    for worker in stored or ():
        assert worker["state"] in ("serving", "draining", "starting", "restarting", "unknown")
        assert all(isinstance(worker[name], int) and worker[name] >= 0 for name in ("index", "rooms", "participants"))
