"""Who stays out: single-use join tokens and kicks that stick, written as the attacks."""

import asyncio
import json

from sfu_node import protocol
from sfu_node.protocol import MAX_TOKEN_HORIZON
from sfu_node.revocations import Removals, SpentTokens
from tests.support.inprocess import NODE_ID, NODE_KEY, next_json, running_node, token


async def post(client, path, payload):
    """A control request signed as the app signs it; (status, JSON answer)."""
    body = json.dumps(payload).encode()
    headers = protocol.sign_request(NODE_KEY, NODE_ID, "POST", path, body)
    response = await client.post(path, data=body, headers=headers)
    return response.status, await response.json(content_type=None)


async def join_with(client, token_text):
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "join", "token": token_text})
    return ws


def test_token_replayed_after_its_join_refused():
    """Is a join token that already joined refused when presented again?"""

    async def scenario():
        async with running_node() as (node, client):
            ticket = token(participant="ann")
            first = await next_json(await join_with(client, ticket))
            replay = await join_with(client, ticket)
            return first, await next_json(replay), await next_json(replay), node.registry.participant_count

    first, refused, closed, count = asyncio.run(scenario())
    assert first["type"] == "joined"
    assert refused == {"type": "error", "error": "token already used"}
    assert closed == {"closed": True}
    assert count == 1


def test_token_issued_before_kick_refused_after_it():
    """Is an unused token issued before a kick refused when the kicked participant replays it?"""

    async def scenario():
        async with running_node() as (node, client):
            spare = token(participant="mallory")
            await next_json(await join_with(client, token(participant="mallory")))
            status, _ = await post(client, "/control/kick", {"room": "room-1", "participant": "mallory"})
            replay = await join_with(client, spare)
            return status, await next_json(replay), await next_json(replay), node.registry.participant_count

    status, refused, closed, count = asyncio.run(scenario())
    assert status == 200
    assert refused == {"type": "error", "error": "removed from this meeting"}
    assert closed == {"closed": True}
    assert count == 0


def test_kick_before_joining_bars_the_participant():
    """Does a kick of someone not (yet) on the node still refuse their token afterwards?"""

    async def scenario():
        async with running_node() as (_node, client):
            spare = token(participant="mallory")
            status, reply = await post(client, "/control/kick", {"room": "room-1", "participant": "mallory"})
            return status, reply, await next_json(await join_with(client, spare))

    status, reply, refused = asyncio.run(scenario())
    assert (status, reply) == (200, {"ok": True, "found": False})
    assert refused == {"type": "error", "error": "removed from this meeting"}


def test_kick_outlives_an_empty_room():
    """When the kicked participant was the last one in, is the kick still remembered?"""

    async def scenario():
        async with running_node() as (node, client):
            spare = token(participant="mallory")
            await next_json(await join_with(client, token(participant="mallory")))
            await post(client, "/control/kick", {"room": "room-1", "participant": "mallory"})
            rooms_after_kick = dict(node.registry.rooms)
            return rooms_after_kick, await next_json(await join_with(client, spare))

    rooms, refused = asyncio.run(scenario())
    assert rooms == {}
    assert refused == {"type": "error", "error": "removed from this meeting"}


def test_kick_is_per_room():
    """Does a kick from one room leave the same participant id free in another room?"""

    async def scenario():
        async with running_node() as (_node, client):
            await post(client, "/control/kick", {"room": "room-1", "participant": "ann"})
            return await next_json(await join_with(client, token(room="room-2", participant="ann")))

    assert asyncio.run(scenario())["type"] == "joined"


def test_live_participant_disconnected_by_kick():
    """Does a kick close the kicked socket and peer connection and tell the others they left?"""

    async def scenario():
        async with running_node() as (node, client):
            ann = await join_with(client, token(participant="ann"))
            await next_json(ann)
            mallory = await join_with(client, token(participant="mallory"))
            await next_json(mallory)
            await next_json(ann, skip=("streams", "offer"))  # peer-joined
            seated = node.registry.rooms["room-1"].participants["mallory"]
            await post(client, "/control/kick", {"room": "room-1", "participant": "mallory"})
            kicked = await next_json(mallory)
            closed = await next_json(mallory)
            ann_saw = await next_json(ann)
            return (
                kicked,
                closed,
                ann_saw,
                seated.pc.connectionState,
                sorted(node.registry.rooms["room-1"].participants),
            )

    kicked, closed, ann_saw, pc_state, left = asyncio.run(scenario())
    assert kicked == {"type": "kicked"}
    assert closed == {"closed": True}
    assert ann_saw == {"type": "peer-left", "participant": "mallory"}
    assert pc_state == "closed"
    assert left == ["ann"]


def test_kicks_forgotten_only_after_room_ends_and_tokens_expire():
    """Is a kick kept while its room lives, and forgotten once the room is gone and old tokens expired?"""
    now = [1000.0]
    removals = Removals(clock=lambda: now[0])
    removals.add("room-1", "mallory")
    now[0] += MAX_TOKEN_HORIZON + 1
    removals.prune(live_rooms={"room-1"})
    assert ("room-1", "mallory") in removals
    removals.prune(live_rooms=set())
    assert ("room-1", "mallory") not in removals


def test_kick_kept_after_room_ends_while_old_tokens_could_be_valid():
    """Right after the room ends, is the kick still remembered?"""
    now = [1000.0]
    removals = Removals(clock=lambda: now[0])
    removals.add("room-1", "mallory")
    now[0] += 10
    removals.prune(live_rooms=set())
    assert ("room-1", "mallory") in removals


def test_spent_tokens_forgotten_after_expiry():
    """Does the spent-jti memory drop tokens that have expired, and keep live ones?"""
    now = [1000.0]
    spent = SpentTokens(clock=lambda: now[0])
    spent.spend("old", exp=1010)
    spent.spend("live", exp=5000)
    now[0] = 2000.0
    for i in range(300):
        spent.spend(f"filler{i}", exp=5000)
    assert "old" not in spent
    assert "live" in spent


def test_removal_without_ban_drops_but_does_not_bar():
    """When the app removes someone with ban false (they left or were purged), may a new token seat them again?"""

    async def scenario():
        async with running_node() as (node, client):
            ann = await join_with(client, token(participant="ann"))
            await next_json(ann)
            status, reply = await post(client, "/control/kick", {"room": "room-1", "participant": "ann", "ban": False})
            told, closed = await next_json(ann), await next_json(ann)
            again = await next_json(await join_with(client, token(participant="ann")))
            return status, reply, told, closed, again

    status, reply, told, closed, again = asyncio.run(scenario())
    assert (status, reply) == (200, {"ok": True, "found": True})
    assert (told, closed) == ({"type": "removed"}, {"closed": True})
    assert again["type"] == "joined"


def test_ban_that_is_not_a_boolean_refused():
    """Is a kick whose ban is not true or false refused with a 400 JSON error, barring nobody?"""

    async def scenario():
        async with running_node() as (node, client):
            answer = await post(client, "/control/kick", {"room": "room-1", "participant": "ann", "ban": "no"})
            return answer, node.registry.removals.rooms()

    (status, reply), barred = asyncio.run(scenario())
    assert (status, reply) == (400, {"error": "ban must be true or false"})
    assert barred == set()
