"""The node carries each participant's shared screen as a third published track, beside the camera."""

import asyncio

from aiortc.sdp import SessionDescription

from tests.support.inprocess import next_json, running_node, token


async def join_with(client, participant):
    ws = await client.ws_connect("/ws")
    await ws.send_json({"type": "join", "token": token(participant=participant)})
    return ws


async def first(ws, kind):
    while True:
        message = await next_json(ws, skip=())
        if message.get("type") == kind:
            return message


def test_every_participant_publishes_a_screen_line():
    """Does the node's first offer ask each participant for a microphone, a camera and a screen?"""

    async def scenario():
        async with running_node() as (node, client):
            ann = await join_with(client, "ann")
            return await first(ann, "offer")

    offer = asyncio.run(scenario())
    assert set(offer["publish"]) == {"audio", "video", "screen"}
    kinds = {m.rtp.muxId: m.kind for m in SessionDescription.parse(offer["sdp"]).media}
    assert kinds[offer["publish"]["screen"]] == "video" and kinds[offer["publish"]["video"]] == "video"


def test_subscriber_gets_the_screen_as_a_stream_of_its_own():
    """Does a subscriber learn a separate, screen-marked stream for each publisher, owned by that publisher?"""

    async def scenario():
        async with running_node() as (node, client):
            bob = await join_with(client, "bob")
            await first(bob, "offer")
            ann = await join_with(client, "ann")
            return await first(ann, "streams")

    streams = asyncio.run(scenario())
    [screen] = streams["screens"]
    assert streams["streams"][screen] == "bob"
    cameras = [s for s, owner in streams["streams"].items() if owner == "bob" and s != screen and s.startswith("s")]
    assert cameras and screen.startswith(cameras[0])
