"""Loss repair through the node: a publisher's retransmissions reach the receiver that asked for them."""

import asyncio

from aiortc import RTCPeerConnection, RTCSessionDescription, VideoStreamTrack
from aiortc.rtp import RtpPacket
from aiortc.sdp import SessionDescription

from tests.support.inprocess import next_json, running_node, token


async def answer_publishing_camera_and_screen(offer: dict) -> str:
    """An aiortc browser stand-in's answer that sends on the camera and the screen lines (RTX on both)."""
    client = RTCPeerConnection()
    await client.setRemoteDescription(RTCSessionDescription(sdp=offer["sdp"], type="offer"))
    for transceiver in client.getTransceivers():
        if transceiver.mid in (offer["publish"]["video"], offer["publish"]["screen"]):
            transceiver.direction = "sendonly"
            transceiver.sender.replaceTrack(VideoStreamTrack())
    await client.setLocalDescription(await client.createAnswer())
    sdp = client.localDescription.sdp
    await client.close()
    return sdp


def line_ssrcs(sdp: str, mid: str) -> tuple[int, int, int]:
    """(media SSRC, RTX SSRC, RTX payload type) of the m-line ``mid``."""
    media = next(m for m in SessionDescription.parse(sdp).media if m.rtp.muxId == mid)
    [fid] = [g for g in media.ssrc_group if g.semantic == "FID"]
    rtx = next(c for c in media.rtp.codecs if c.mimeType.lower() == "video/rtx")
    return int(fid.items[0]), int(fid.items[1]), rtx.payloadType


def test_camera_retransmissions_reach_the_camera_receiver_beside_a_screen_line():
    """Does the camera's RTX reach the camera's receiver, though the screen's line shares its payload types?"""

    async def scenario():
        async with running_node() as (node, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "join", "token": token(participant="ann")})
            while (offer := await next_json(ws, skip=())).get("type") != "offer":
                pass
            answer = await answer_publishing_camera_and_screen(offer)
            await ws.send_json({"type": "answer", "sdp": answer})
            [ann] = [p for room in node.registry.rooms.values() for p in room.participants.values()]
            for _ in range(50):
                if ann.pc.remoteDescription is not None:
                    break
                await asyncio.sleep(0.02)
            camera = ann._publish_transceivers["video"].receiver
            screen = ann._publish_transceivers["screen"].receiver
            router = camera.transport._rtp_router
            # What aiortc's receive() registers once media starts: media SSRC and payload types.
            for mid, receiver in ((offer["publish"]["video"], camera), (offer["publish"]["screen"], screen)):
                media_ssrc, _, rtx_type = line_ssrcs(answer, mid)
                router.register_receiver(receiver, ssrcs=[media_ssrc], payload_types=[96, rtx_type])
            _, camera_rtx, rtx_type = line_ssrcs(answer, offer["publish"]["video"])
            routed = router.route_rtp(RtpPacket(payload_type=rtx_type, ssrc=camera_rtx))
            return routed is camera

    assert asyncio.run(scenario())
