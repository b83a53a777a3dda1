"""Opus in-band FEC through the node: the node's offer says FEC is welcome, and publishers learn their
subscribers' loss, so browsers encode as much FEC as the worst subscriber needs."""

import asyncio
from types import SimpleNamespace

from aiortc.rtp import RtcpReceiverInfo, RtcpRrPacket

from sfu_node import aiortc_internals
from sfu_node.adaptation import note_audio_loss
from sfu_node.forwarding import PublishedTrack
from sfu_node.stats import NodeStats
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


class Subscriber:
    readyState = "live"


def test_publisher_hears_the_worst_loss_its_subscribers_report():
    """Do the node's receiver reports to a publisher carry its subscribers' worst audio loss, when higher?"""
    sent = []

    class Receiver:
        async def _send_rtcp(self, packet):
            sent.append(packet)

    publisher = PublishedTrack("audio", NodeStats())
    subscribers = [Subscriber(), Subscriber()]
    publisher.subscribers.update(subscribers)
    receiver = Receiver()
    aiortc_internals.report_downstream_loss(receiver, publisher.downstream_loss)
    sender = SimpleNamespace(_ssrc=4242)
    report = RtcpRrPacket(ssrc=1, reports=[RtcpReceiverInfo(4242, 12, 5, 1, 0, 0, 0)])
    note_audio_loss(subscribers[1], sender, report)  # a subscriber sees 12/256 lost
    note_audio_loss(subscribers[0], sender, RtcpRrPacket(ssrc=1, reports=[RtcpReceiverInfo(99, 200, 5, 1, 0, 0, 0)]))
    assert publisher.downstream_loss() == 12 / 256  # another stream's report is not this audio's

    async def send(own_loss):
        await receiver._send_rtcp(RtcpRrPacket(ssrc=2, reports=[RtcpReceiverInfo(777, own_loss, 0, 1, 0, 0, 0)]))
        return sent[-1].reports[0].fraction_lost

    assert asyncio.run(send(0)) == 12  # raised to the subscribers' loss
    assert asyncio.run(send(40)) == 40  # its own uplink's, when worse, is kept
