"""Per-connection caps on the node's WebSocket: message rate, message size, ICE candidates."""

import asyncio

from sfu_node.limits import TokenBucket
from tests.support.inprocess import join, next_json, running_node

CANDIDATE = {"type": "candidate", "candidate": None}


async def joined(client, participant="ann"):
    ws = await join(client, participant=participant)
    assert (await next_json(ws))["type"] == "joined"
    return ws


async def replies(ws, count):
    return [await next_json(ws) for _ in range(count)]


def test_flood_of_messages_answered_with_errors_over_the_burst():
    """Past its burst, does a flooding client get 'too many messages' instead of answers?"""

    async def scenario():
        async with running_node(message_rate=0.001, message_burst=3, max_strikes=100) as (_node, client):
            ws = await joined(client)
            for _ in range(5):
                await ws.send_json({"type": "ping"})
            return await replies(ws, 5)

    assert asyncio.run(scenario()) == [{"type": "pong"}] * 3 + [{"type": "error", "error": "too many messages"}] * 2


def test_bucket_refills_over_time():
    """Does an emptied token bucket let a message through again after 1/rate seconds?"""
    now = [0.0]
    bucket = TokenBucket(rate=2, burst=1, clock=lambda: now[0])
    assert bucket.take() is True
    assert bucket.take() is False
    now[0] += 0.5
    assert bucket.take() is True


def test_abusive_flood_disconnected_and_others_told():
    """Does a client that keeps flooding get disconnected, with its room told it left?"""

    async def scenario():
        async with running_node(message_rate=0.001, message_burst=2, max_strikes=3) as (node, client):
            bob = await joined(client, "bob")
            ws = await joined(client)
            await next_json(bob, skip=("streams", "offer"))  # peer-joined
            for _ in range(10):
                await ws.send_json({"type": "ping"})
            got = []
            while (reply := await next_json(ws)) != {"closed": True}:
                got.append(reply)
            return got, await next_json(bob), sorted(node.registry.rooms["room-1"].participants)

    got, bob_saw, left = asyncio.run(scenario())
    assert got == [
        {"type": "pong"},
        {"type": "pong"},
        {"type": "error", "error": "too many messages"},
        {"type": "error", "error": "too many messages"},
        {"type": "error", "error": "too many messages: disconnected"},
    ]
    assert bob_saw == {"type": "peer-left", "participant": "ann"}
    assert left == ["bob"]


def test_candidates_capped_per_connection():
    """Past the cap on ICE candidates, is each further candidate refused with an error?"""

    async def scenario():
        async with running_node(max_candidates=2, max_strikes=100) as (node, client):
            ws = await joined(client)
            for _ in range(3):
                await ws.send_json(CANDIDATE)
            await ws.send_json({"type": "ping"})
            participant = node.registry.rooms["room-1"].participants["ann"]
            reply = await next_json(ws)
            return reply, await next_json(ws), len(participant._pending_candidates)

    reply, pong, pending = asyncio.run(scenario())
    assert reply == {"type": "error", "error": "too many candidates"}
    assert pong == {"type": "pong"}
    assert pending == 2


def test_oversized_messages_count_towards_disconnection():
    """Does a client that keeps sending messages over the size cap get disconnected?"""

    async def scenario():
        async with running_node(max_strikes=2) as (_node, client):
            ws = await joined(client)
            for _ in range(2):
                await ws.send_str('{"type": "ping", "pad": "' + "a" * 70000 + '"}')
            return await replies(ws, 3)

    assert asyncio.run(scenario()) == [
        {"type": "error", "error": "message too large"},
        {"type": "error", "error": "message too large: disconnected"},
        {"closed": True},
    ]
