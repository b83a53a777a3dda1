"""Which node a large meeting runs on, and the join tokens that let clients in.

A room goes to the least-loaded serving node in the region nearest the participant, then
the next region; it stays there while that node lives. Rooms assigned since a node's last
heartbeat count towards its load, so a burst of joins spreads out.

Where the first person's lobby measured its round-trip time to the nodes of the nearest
regions (``latency_probes``), the room goes instead to the node with the lowest median RTT
among the least-loaded of those (within ``LOAD_SLACK`` of the lightest). The measurements come
from a browser, so they only ever order nodes that the rules above already allow.
"""

import json
import logging
from urllib.parse import urlsplit

import requests
import sqlalchemy as sa
from flask import current_app

from sfu_node.protocol import make_join_token, sign_request

from .. import geo
from ..extensions import db
from ..timeutil import utcnow
from .models import RoomAssignment, SfuNode
from .services import is_alive, node_key, room_key

log = logging.getLogger("parlor.nodes")

PENDING_ROOM_WEIGHT = 2  # participants we expect a freshly assigned room to bring
LATENCY_REGIONS = 2  # the nearest regions (that have room) whose nodes the lobby pings
MAX_LATENCY_PROBES = 4  # nodes one lobby pings at most
# Nodes whose load (a fraction of capacity) is within this of the lightest measured node all
# count as "least loaded"; among them the fastest wins. Latency never outweighs a big load gap.
LOAD_SLACK = 0.2


class NoNodeAvailable(Exception):
    """Every node is dead, draining or full."""


def client_point(ip):
    """(lat, lon) for a client address; private and unknown ones use the default region."""
    location = geo.locate(ip)
    if location is not None:
        return location.lat, location.lon
    regions = current_app.config["REGIONS"]
    default = regions[current_app.config["DEFAULT_REGION"]]
    return default["lat"], default["lon"]


def regions_by_distance(point):
    regions = current_app.config["REGIONS"]
    return sorted(regions, key=lambda name: geo.distance_km(*point, regions[name]["lat"], regions[name]["lon"]))


def effective_load(node):
    pending = sum(1 for a in node.assignments if a.assigned_at >= node.last_heartbeat_at)
    return node.participants + PENDING_ROOM_WEIGHT * pending


def load_fraction(node):
    return effective_load(node) / node.capacity


def placeable_by_region(now=None):
    """Live serving nodes with room for another meeting, by region."""
    by_region = {}
    for node in db.session.scalars(sa.select(SfuNode)):
        if not (is_alive(node, now) and node.accepts_new_rooms()):
            continue
        if node.capacity > 0 and effective_load(node) < node.capacity:
            by_region.setdefault(node.region, []).append(node)
    return by_region


def _regions_near(ip, by_region):
    ordered = regions_by_distance(client_point(ip))
    ordered += sorted(set(by_region) - set(ordered))  # regions nobody configured go last
    return [region for region in ordered if by_region.get(region)]


def latency_candidates(ip, now=None):
    """Nodes worth a lobby's RTT probe: the nearest regions' placeable nodes, a few.

    The regions take turns (lightest node of the nearest, lightest of the next, then the
    second lightest of each...), so a crowded nearest region does not hide the next one.
    """
    by_region = placeable_by_region(now)
    turns = []
    for rank, region in enumerate(_regions_near(ip, by_region)[:LATENCY_REGIONS]):
        lightest_first = sorted(by_region[region], key=lambda n: (load_fraction(n), n.id))
        turns += [((turn, rank), node) for turn, node in enumerate(lightest_first)]
    return [node for _, node in sorted(turns, key=lambda pair: pair[0])][:MAX_LATENCY_PROBES]


def latency_probes(ip, now=None):
    """What the lobby pings: [{"id", "url"}] of ``latency_candidates``."""
    return [{"id": node.id, "url": ping_url(node.public_url)} for node in latency_candidates(ip, now)]


def fastest_of_least_loaded(nodes, rtt):
    """The lowest median RTT among the measured nodes within LOAD_SLACK of the lightest; None without any."""
    measured = [node for node in nodes if node.id in rtt]
    if not measured:
        return None
    lightest = min(load_fraction(node) for node in measured)
    least_loaded = [node for node in measured if load_fraction(node) <= lightest + LOAD_SLACK]
    return min(least_loaded, key=lambda n: (rtt[n.id], load_fraction(n), n.id))


def choose_node(ip, now=None, rtt=None):
    """The node for a new meeting: by measured latency when the lobby sent some, else geo-IP.

    ``rtt`` maps node ids to the client's median round-trip times in milliseconds; ids of
    nodes outside the nearest regions, dead, draining, full or unknown are ignored.
    """
    by_region = placeable_by_region(now)
    regions = _regions_near(ip, by_region)
    if rtt:
        nearby = [node for region in regions[:LATENCY_REGIONS] for node in by_region[region]]
        fastest = fastest_of_least_loaded(nearby, rtt)
        if fastest is not None:
            return fastest
    if regions:
        return min(by_region[regions[0]], key=lambda n: (load_fraction(n), n.id))
    raise NoNodeAvailable()


def node_for_room(room, ip, now=None, rtt=None):
    """The room's node: its current one while alive, else a newly chosen one (see ``choose_node``)."""
    assignment = db.session.get(RoomAssignment, room.id)
    if assignment is not None and is_alive(assignment.node, now):
        return assignment.node
    node = choose_node(ip, now, rtt)
    if assignment is None:
        assignment = RoomAssignment(room_id=room.id)
        db.session.add(assignment)
    elif assignment.node_id != node.id:
        log.info("room %s moves from dead node %s to %s", room.id, assignment.node_id, node.id)
    assignment.node = node
    assignment.node_id = node.id
    assignment.assigned_at = utcnow()
    return node


def websocket_url(public_url, path="/ws"):
    parts = urlsplit(public_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}{path}"


def ping_url(public_url):
    return websocket_url(public_url, "/ping")


def scoped_room_key(room_id, scope=None):
    """How a room, or one part of it (a breakout group: ``scope``), is named on its node.

    The node forwards media only within one name, so a token for a group carries no one else's.
    """
    return room_key(room_id) + (f":{scope}" if scope else "")


def join_token_for(room, *, participant, name, role, capacity, ip, rtt=None, scope=None):
    """Place the room (if needed) and sign a join token for one participant on its node
    (in the room's part ``scope``, a breakout group, when given).

    The caller commits the placement. A dead node is noticed by its missing heartbeats, so a
    client that lost its node simply asks again and gets the room's new one.
    """
    node = node_for_room(room, ip, rtt=rtt)
    db.session.flush()
    token = make_join_token(
        node_key(node.id),
        room=scoped_room_key(room.id, scope),
        participant=participant,
        name=name,
        node=node.id,
        role=role,
        capacity=capacity,
    )
    return {"url": websocket_url(node.public_url), "token": token, "node": node.id, "region": node.region}


def node_origins():
    """ws(s) origins of every known node, for the meeting page's Content-Security-Policy.

    Operators whose nodes come and go set NODE_CSP_SOURCES (e.g. ``wss://*.sfu.example.com``)
    so a page can follow its room to a node that registered after it loaded.
    """
    if current_app.config.get("NODE_CSP_SOURCES"):
        return current_app.config["NODE_CSP_SOURCES"]
    origins = []
    for node in db.session.scalars(sa.select(SfuNode)):
        parts = urlsplit(websocket_url(node.public_url))
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def call_node(node, path, payload):
    body = json.dumps(payload).encode()
    headers = sign_request(node_key(node.id), node.id, "POST", path, body)
    headers["Content-Type"] = "application/json"
    try:
        requests.post(node.public_url + path, data=body, headers=headers, timeout=3)
    except requests.RequestException:
        log.warning("node %s did not answer %s", node.id, path)


def revoke_node_grant(room_id, participant_id, ban, scope=None):
    """Drop a participant from the room's node; with ``ban``, the node also refuses them from now on.

    The client may not comply with a kick, so the node must hear it from us.
    """
    assignment = db.session.get(RoomAssignment, room_id)
    if assignment is not None:
        payload = {"room": scoped_room_key(room_id, scope), "participant": participant_id, "ban": bool(ban)}
        call_node(assignment.node, "/control/kick", payload)
