"""Node metrics per subscriber: the layer adaptation chose and what the subscriber's link reported."""

import asyncio

from aiohttp.test_utils import TestClient, TestServer

from tests.support.inprocess import next_json, running_node, token


def test_metrics_show_each_subscribers_layer_estimate_and_loss():
    """Does /metrics give each subscriber's layer, estimate, loss, retransmissions, keyframe requests and pauses?"""

    async def scenario():
        async with running_node() as (node, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "join", "token": token(participant="ann")})
            while (await next_json(ws, skip=())).get("type") != "joined":
                pass
            [ann] = list(node.registry.participants())
            ann.adaptation.estimate = 380_000.0
            ann.adaptation.loss = 0.03
            ann.adaptation.chooser.layer = 1
            ann.adaptation.budget.paused = {"a video"}
            ann.adaptation.budget.pauses = 3
            metrics = TestClient(TestServer(node.build_metrics_app()))
            await metrics.start_server()
            try:
                return await (await metrics.get("/metrics")).text()
            finally:
                await metrics.close()

    text = asyncio.run(scenario())
    labels = '{participant="ann",room="room-1"}'
    assert f"parlor_sfu_subscriber_layer{labels} 1.0" in text
    assert f"parlor_sfu_subscriber_estimate_bps{labels} 380000.0" in text
    assert f"parlor_sfu_subscriber_loss{labels} 0.03" in text
    assert f"parlor_sfu_subscriber_retransmits_total{labels} 0.0" in text
    assert f"parlor_sfu_subscriber_keyframe_requests_total{labels} 0.0" in text
    assert f"parlor_sfu_subscriber_videos_paused{labels} 1.0" in text
    assert f"parlor_sfu_subscriber_video_pauses_total{labels} 3.0" in text
