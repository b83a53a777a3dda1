"""Bad client messages get an error reply and never take the node down."""

import asyncio

import pytest

from ..support.inprocess import join, next_json, running_node

BAD_MESSAGES = [
    ("not json at all", "malformed JSON"),
    ("[1, 2, 3]", "a message must be a JSON object with a string type"),
    ('{"type": 7}', "a message must be a JSON object with a string type"),
    ('{"type": "dance"}', "unknown message type"),
    ('{"type": "answer"}', "answer needs sdp"),
    ('{"type": "answer", "sdp": 5}', "answer has a sdp of the wrong type"),
    ('{"type": "ping", "room": "other-room"}', "ping has an unexpected field"),
    (
        '{"type": "candidate", "candidate": "nope"}',
        "candidate has a candidate of the wrong type",
    ),
    ('{"type": "candidate", "candidate": {"sdpMid": "0"}}', "candidate needs candidate"),
    (
        '{"type": "candidate", "candidate": {"candidate": "candidate:garbage"}}',
        "malformed candidate",
    ),
    ('{"type": "join", "token": "x"}', "already joined"),
    ('{"type": "x", "pad": "' + "a" * 70000 + '"}', "message too large"),
]


async def joined_socket(client):
    ws = await join(client, participant="ann")
    assert (await next_json(ws))["type"] == "joined"
    return ws


@pytest.mark.parametrize(("text", "error"), BAD_MESSAGES)
def test_bad_message_gets_error_reply(text, error):
    """Does each kind of malformed message get its own error while the socket stays open?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await joined_socket(client)
            await ws.send_str(text)
            reply = await next_json(ws)
            await ws.send_json({"type": "ping"})
            return reply, await next_json(ws)

    reply, pong = asyncio.run(scenario())
    assert reply == {"type": "error", "error": error}
    assert pong == {"type": "pong"}


def test_binary_message_refused():
    """Is a binary frame answered with an error?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await joined_socket(client)
            await ws.send_bytes(b"\x00\x01")
            return await next_json(ws)

    assert asyncio.run(scenario()) == {
        "type": "error",
        "error": "only text messages are accepted",
    }


def test_bad_sdp_answer_refused_and_node_keeps_serving():
    """Is a garbage SDP answer refused, with the node still admitting other rooms afterwards?"""

    async def scenario():
        async with running_node() as (node, client):
            ws = await joined_socket(client)
            await next_json(ws, skip=("streams",))  # the offer
            await ws.send_json({"type": "answer", "sdp": "v=0\r\nthis is not sdp\r\n"})
            reply = await next_json(ws)
            other = await join(client, room="another", participant="bob")
            return reply, await next_json(other), node.registry.participant_count

    reply, other, count = asyncio.run(scenario())
    assert reply["type"] == "error" and reply["error"].startswith("bad sdp")
    assert other["type"] == "joined"
    assert count == 2


def test_unsolicited_answer_refused():
    """Is an answer sent when no offer is waiting refused?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await joined_socket(client)
            offer = await next_json(ws, skip=("streams",))
            await ws.send_json({"type": "answer", "sdp": "v=0\r\n"})
            first = await next_json(ws)
            return offer, first

    offer, first = asyncio.run(scenario())
    assert offer["type"] == "offer"
    assert first["type"] == "error"


def test_offer_carries_publish_slots_and_only_vp8_and_opus():
    """Does the first offer hold recvonly audio, camera and screen slots offering only Opus and VP8?"""

    async def scenario():
        async with running_node() as (_node, client):
            ws = await joined_socket(client)
            streams = await next_json(ws, skip=())
            offer = await next_json(ws, skip=())
            return streams, offer

    streams, offer = asyncio.run(scenario())
    assert streams == {"type": "streams", "streams": {}, "screens": []}
    assert offer["publish"] == {"audio": "0", "video": "1", "screen": "2"}
    sdp = offer["sdp"]
    assert sdp.count("a=recvonly") == 3
    rtpmaps = [line.split(" ", 1)[1] for line in sdp.splitlines() if line.startswith("a=rtpmap:")]
    assert sorted(set(rtpmaps)) == ["VP8/90000", "opus/48000/2", "rtx/90000"]
