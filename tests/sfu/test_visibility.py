"""Only what is seen: video of tiles off a subscriber's screen stops, and resumes on a keyframe."""

import asyncio
from types import SimpleNamespace

import pytest
from aiortc.rtp import HeaderExtensionsMap

from sfu_node import aiortc_internals
from sfu_node.packets import PacketTrack, parse_vp8_descriptor, starts_vp8_keyframe
from tests.support.inprocess import next_json, running_node, token
from tests.support.vp8_layers import l1t3_frames


class Publisher:
    kind = "video"

    def __init__(self):
        self.requests = 0

    def request_keyframe(self):
        self.requests += 1


class Recorder:
    """Stands in for a negotiated sender's history: records (sequence number, payload) of what goes out."""

    mid = "1"
    extensions_map = HeaderExtensionsMap()

    def __init__(self):
        self.sent = []

    def record(self, packet, now):
        self.sent.append((packet.sequence_number, packet.payload))


@pytest.fixture
def recording_track(monkeypatch):
    monkeypatch.setattr(aiortc_internals, "send_rtp", lambda transport, data: None)
    publisher = Publisher()
    track = PacketTrack(publisher, "viewer-video")
    track._sender = SimpleNamespace(_ssrc=5, transport=None)
    track._sent = Recorder()
    track._payload_type = 96
    return publisher, track, track._sent.sent


def push(track, frames):
    for frame in frames:
        for packet in frame.packets:
            track.push(packet, starts_vp8_keyframe(packet.payload), parse_vp8_descriptor(packet.payload))


def test_hidden_video_stops_and_resumes_on_a_keyframe_numbered_on(recording_track):
    """Does a hidden tile's video stop, and on showing again resume at a keyframe right after the last packet sent?"""
    publisher, track, sent = recording_track
    push(track, l1t3_frames(4))
    before = len(sent)
    track.set_hidden(True)
    push(track, l1t3_frames(4, first_seq=200, first_picture=100, first_tl0=3)[1:])
    assert len(sent) == before
    requests = publisher.requests
    track.set_hidden(False)
    assert publisher.requests == requests + 1  # a keyframe asked for at once
    later = l1t3_frames(4, first_seq=400, first_picture=300, first_tl0=9)
    push(track, [later[1], later[2]])  # deltas: undecodable after the pause, not sent
    assert len(sent) == before
    push(track, later[:1])
    assert sent[before][0] == (sent[before - 1][0] + 1) % 65536
    assert parse_vp8_descriptor(sent[before][1]).picture_id == parse_vp8_descriptor(sent[before - 1][1]).picture_id + 1


def hide_bobs_camera_from_ann(**node_options):
    """Ann reports Bob's camera tile hidden; which of Bob's tracks to Ann are then paused, by track id."""

    async def scenario():
        async with running_node(**node_options) as (node, client):
            bob = await client.ws_connect("/ws")
            await bob.send_json({"type": "join", "token": token(participant="bob")})
            ann = await client.ws_connect("/ws")
            await ann.send_json({"type": "join", "token": token(participant="ann")})
            while not (message := await next_json(ann, skip=())).get("screens"):
                pass
            [screen] = message["screens"]
            camera = screen.removesuffix("-screen")
            await ann.send_json({"type": "hidden", "streams": [camera]})
            await ann.send_json({"type": "ping"})
            while (await next_json(ann, skip=())).get("type") != "pong":
                pass
            [participant] = [p for p in node.registry.participants() if p.id == "ann"]
            [sub] = participant.subscriptions.values()
            return {track.id: track.hidden for track in sub.tracks}

    return asyncio.run(scenario())


def test_hidden_message_pauses_that_publishers_video_but_not_its_audio():
    """Does a subscriber's "hidden" message stop one publisher's camera video to it, its audio untouched?"""
    hidden = hide_bobs_camera_from_ann()
    assert [v for k, v in sorted(hidden.items())] == [False, False, True]  # audio, screen, video


def test_hidden_message_changes_nothing_with_adaptation_off():
    """With --adaptation off, does every track keep flowing whatever the page reports?"""
    assert not any(hide_bobs_camera_from_ann(adaptation=False).values())


def test_hidden_message_with_too_many_streams_is_refused():
    """Is a "hidden" message naming more streams than a meeting can hold answered with an error?"""

    async def scenario():
        async with running_node() as (node, client):
            ws = await client.ws_connect("/ws")
            await ws.send_json({"type": "join", "token": token(participant="ann")})
            await ws.send_json({"type": "hidden", "streams": [f"s{n}" for n in range(100)]})
            while (message := await next_json(ws, skip=())).get("type") != "error":
                pass
            return message

    assert "hidden" in asyncio.run(scenario())["error"]
