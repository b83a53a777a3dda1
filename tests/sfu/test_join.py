"""Who may join over the WebSocket: token checks, capacity, reconnects and draining."""

import asyncio
import time

from sfu_node.protocol import LARGE_MEETING_LIMIT

from ..support.inprocess import join, next_json, running_node, token


def refusal(token_text=None, **token_args) -> dict:
    async def scenario():
        async with running_node() as (_node, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "join", "token": token_text or token(**token_args)})
            reply = await next_json(ws)
            closed = await next_json(ws)
            return reply, closed

    reply, closed = asyncio.run(scenario())
    assert closed == {"closed": True}
    return reply


def test_valid_token_joins():
    """Does a valid token get a joined message naming the participant?"""

    async def scenario():
        async with running_node() as (node, client):
            ws = await join(client, participant="ann")
            reply = await next_json(ws)
            return reply, node.registry.participant_count

    reply, count = asyncio.run(scenario())
    assert reply == {
        "type": "joined",
        "participant": "ann",
        "room": "room-1",
        "peers": [],
    }
    assert count == 1


def test_expired_token_refused():
    """Is an expired join token refused with an error before the socket closes?"""
    assert refusal(now=time.time() - 600) == {"type": "error", "error": "token expired"}


def test_token_for_other_node_refused():
    """Is a token naming another node refused?"""
    assert refusal(node="node-elsewhere") == {
        "type": "error",
        "error": "token is for another node",
    }


def test_token_signed_with_other_key_refused():
    """Is a token signed with another node's key refused?"""
    assert refusal(key="f" * 64) == {"type": "error", "error": "bad token signature"}


def test_malformed_token_refused():
    """Is garbage in place of a token refused as malformed?"""
    assert refusal(token_text="not-a-token") == {
        "type": "error",
        "error": "malformed token",
    }


def test_first_message_must_be_join():
    """Is a client that does not start with a join refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "answer", "sdp": "v=0"})
            return await next_json(ws)

    assert asyncio.run(scenario())["type"] == "error"


def test_silent_client_times_out():
    """Is a client that never sends join disconnected after the join timeout?"""

    async def scenario():
        async with running_node(join_timeout=0.3) as (_node, client):
            ws = await client.ws_connect("/ws")
            return await next_json(ws), await next_json(ws)

    assert asyncio.run(scenario()) == (
        {"type": "error", "error": "join timeout"},
        {"closed": True},
    )


def test_participant_over_the_large_meeting_limit_refused():
    """Does a full large meeting (12) refuse one more participant as full?"""

    async def scenario():
        async with running_node() as (node, client):
            sockets = [await join(client, participant=f"p{i}") for i in range(LARGE_MEETING_LIMIT)]
            for ws in sockets:
                assert (await next_json(ws))["type"] == "joined"
            late = await join(client, participant="late")
            return await next_json(late), node.registry.participant_count

    reply, count = asyncio.run(scenario())
    assert reply == {"type": "error", "error": "room full"}
    assert count == LARGE_MEETING_LIMIT


def test_token_capacity_is_enforced_below_twelve():
    """Does a token's smaller capacity (here 2) cap the room?"""

    async def scenario():
        async with running_node() as (_node, client):
            for name in ("a", "b"):
                assert (await next_json(await join(client, participant=name, capacity=2)))["type"] == "joined"
            return await next_json(await join(client, participant="c", capacity=2))

    assert asyncio.run(scenario()) == {"type": "error", "error": "room full"}


def test_reconnect_replaces_old_connection():
    """Does a second connection with the same participant id replace the first?"""

    async def scenario():
        async with running_node() as (node, client):
            first = await join(client, participant="ann")
            await next_json(first)
            second = await join(client, participant="ann")
            joined = await next_json(second)
            old = await next_json(first)
            return joined, old, node.registry.participant_count

    joined, old, count = asyncio.run(scenario())
    assert joined["type"] == "joined"
    assert old == {"type": "error", "error": "replaced by a newer connection"}
    assert count == 1


def test_peers_are_announced():
    """Do participants learn of each other through joined, peer-joined and peer-left?"""

    async def scenario():
        async with running_node() as (_node, client):
            ann = await join(client, participant="ann")
            await next_json(ann)
            bob = await join(client, participant="bob")
            bob_joined = await next_json(bob)
            ann_saw = await next_json(ann, skip=("streams", "offer"))
            await bob.close()
            ann_saw_leave = await next_json(ann)
            return bob_joined, ann_saw, ann_saw_leave

    bob_joined, ann_saw, ann_saw_leave = asyncio.run(scenario())
    assert bob_joined["peers"] == [{"id": "ann", "name": "ANN"}]
    assert ann_saw == {"type": "peer-joined", "participant": "bob", "name": "BOB"}
    assert ann_saw_leave == {"type": "peer-left", "participant": "bob"}


def test_draining_node_refuses_new_rooms_but_not_current_ones():
    """While draining, is a new room refused and an existing room still joinable?"""

    async def scenario():
        async with running_node() as (node, client):
            await next_json(await join(client, room="old", participant="ann"))
            node.registry.draining = True
            new_room = await next_json(await join(client, room="new", participant="bob"))
            old_room = await next_json(await join(client, room="old", participant="cat"))
            return new_room, old_room

    new_room, old_room = asyncio.run(scenario())
    assert new_room == {"type": "error", "error": "node is draining"}
    assert old_room["type"] == "joined"


def test_draining_node_still_starts_rooms_the_app_assigned():
    """While draining, may a room the app placed here before the drain still start?"""

    async def scenario():
        async with running_node() as (node, client):
            node.registry.draining = True
            node.registry.assigned_rooms = {"booked"}
            return await next_json(await join(client, room="booked", participant="ann"))

    assert asyncio.run(scenario())["type"] == "joined"
