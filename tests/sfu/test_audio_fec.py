"""Opus in-band FEC through the node: the node's offer says FEC is welcome, so browsers encode it."""

import asyncio

from tests.support.inprocess import next_json, running_node, token


def test_offer_says_opus_fec_is_welcome():
    """Does the node's offer carry useinbandfec=1 on Opus, so browsers encode FEC for it?"""

    async def scenario():
        async with running_node() as (_, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "join", "token": token(participant="ann")})
            while (offer := await next_json(ws, skip=())).get("type") != "offer":
                pass
            return offer["sdp"]

    sdp = asyncio.run(scenario())
    [opus] = [line for line in sdp.splitlines() if "opus/48000" in line]
    payload_type = opus.split(":")[1].split()[0]
    fmtp = next(line for line in sdp.splitlines() if line.startswith(f"a=fmtp:{payload_type} "))
    assert "useinbandfec=1" in fmtp
