"""Only what is seen: video of tiles off a subscriber's screen stops, and resumes on a keyframe."""

import asyncio
from types import SimpleNamespace

import pytest
from aiortc.rtp import HeaderExtensionsMap

from sfu_node import aiortc_internals
from sfu_node import participant as participant_module
from sfu_node.packets import PacketTrack, parse_vp8_descriptor, starts_vp8_keyframe
from sfu_node.participant import Participant
from sfu_node.stats import NodeStats
from tests.sfu.test_bandwidth import Clock
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


async def camera_message(ws):
    """The next "camera" message the node sends ``ws``."""
    while (message := await next_json(ws, skip=())).get("type") != "camera":
        pass
    return message


def test_a_camera_nobody_sees_is_paused_at_its_publisher_and_resumed(monkeypatch):
    """When its only viewer hides Bob's camera, is Bob told to stop encoding it, and to start again when shown?"""
    monkeypatch.setattr(participant_module, "CAMERA_PAUSE_AFTER", 0.0)

    async def scenario():
        async with running_node() as (node, client):
            bob = await client.ws_connect("/ws")
            await bob.send_json({"type": "join", "token": token(participant="bob")})
            ann = await client.ws_connect("/ws")
            await ann.send_json({"type": "join", "token": token(participant="ann")})
            while not (message := await next_json(ann, skip=())).get("screens"):
                pass
            camera = message["screens"][0].removesuffix("-screen")
            [bob_here] = [p for p in node.registry.participants() if p.id == "bob"]
            assert not bob_here.camera_paused  # Ann sees him
            await ann.send_json({"type": "hidden", "streams": [camera]})
            paused = await asyncio.wait_for(camera_message(bob), 5)
            await ann.send_json({"type": "hidden", "streams": []})
            resumed = await asyncio.wait_for(camera_message(bob), 5)
            return paused, resumed, bob_here.camera_paused

    paused, resumed, still_paused = asyncio.run(scenario())
    assert paused == {"type": "camera", "wanted": False}
    assert resumed == {"type": "camera", "wanted": True}
    assert not still_paused


class Socket:
    """Stands in for a publisher's WebSocket: keeps what the node sends it."""

    closed = False

    def __init__(self):
        self.sent = []

    async def send_json(self, message):
        self.sent.append(message)


def review(publisher):
    """One review of the publisher's camera, as the room's tick does; the messages it sent since the last."""

    async def settle():
        publisher.review_camera()
        await asyncio.sleep(0)  # the message goes out on a task of its own
        sent, publisher.ws.sent = publisher.ws.sent, []
        return sent

    return publisher.loop.run_until_complete(settle())


@pytest.fixture
def bob():
    """A publisher with two subscribers' tracks of his camera, on a clock the test moves."""
    loop = asyncio.new_event_loop()
    clock = Clock()

    async def make():
        return Participant(
            room="r", participant_id="bob", name="Bob", role="guest", ws=Socket(), stats=NodeStats(), clock=clock
        )

    publisher = loop.run_until_complete(make())
    publisher.loop, publisher.clock = loop, clock
    publisher.viewers = [publisher.published["video"].subscribe(name) for name in ("ann-video", "cid-video")]
    yield publisher
    loop.run_until_complete(publisher.pc.close())
    loop.close()


def test_a_camera_is_never_paused_without_a_hidden_report(bob):
    """Without any viewer reporting his tile hidden, is Bob never told to pause, however long it has been?"""
    sent = review(bob)
    bob.clock.now += 3600
    sent += review(bob)
    assert sent == []
    assert not bob.camera_paused


def test_a_camera_is_paused_after_every_viewer_hid_it_for_the_whole_wait(bob):
    """Is Bob told to pause only once both viewers have had his tile hidden for CAMERA_PAUSE_AFTER?"""
    for viewer in bob.viewers:
        viewer.set_hidden(True)
    bob.clock.now += participant_module.CAMERA_PAUSE_AFTER - 0.1
    assert review(bob) == []
    bob.clock.now += 0.1
    assert review(bob) == [{"type": "camera", "wanted": False}]
    assert review(bob) == []  # said once
    assert bob.camera_paused


def test_a_tile_shown_in_between_starts_the_wait_again(bob):
    """If a viewer shows Bob's tile for a moment during the wait, does the wait start again from its next hiding?"""
    for viewer in bob.viewers:
        viewer.set_hidden(True)
    bob.clock.now += 1.5
    bob.viewers[0].set_hidden(False)
    bob.viewers[0].set_hidden(True)
    bob.clock.now += 1.5
    assert review(bob) == []
    bob.clock.now += participant_module.CAMERA_PAUSE_AFTER
    assert review(bob) == [{"type": "camera", "wanted": False}]


def test_a_camera_one_viewer_sees_keeps_encoding(bob):
    """With one viewer hiding Bob's tile and the other not, is Bob never told to pause?"""
    bob.viewers[0].set_hidden(True)
    bob.clock.now += 60
    assert review(bob) == []


def test_a_paused_camera_resumes_at_once_when_shown(bob):
    """When one viewer shows Bob's tile again, is he told to resume without any wait?"""
    for viewer in bob.viewers:
        viewer.set_hidden(True)
    bob.clock.now += participant_module.CAMERA_PAUSE_AFTER
    review(bob)
    bob.viewers[1].set_hidden(False)
    assert review(bob) == [{"type": "camera", "wanted": True}]
    assert not bob.camera_paused


def test_a_new_viewer_resumes_a_paused_camera(bob):
    """When someone joins while Bob's camera is paused, is he told to resume at once (the newcomer reported nothing)?"""
    for viewer in bob.viewers:
        viewer.set_hidden(True)
    bob.clock.now += participant_module.CAMERA_PAUSE_AFTER
    review(bob)
    bob.published["video"].subscribe("dan-video")
    assert review(bob) == [{"type": "camera", "wanted": True}]


def test_a_camera_nobody_receives_is_wanted(bob):
    """With every viewer gone, is Bob's camera wanted, so that the next viewer never waits for an encoder?"""
    for viewer in bob.viewers:
        viewer.set_hidden(True)
    bob.clock.now += participant_module.CAMERA_PAUSE_AFTER
    review(bob)
    for viewer in bob.viewers:
        viewer.stop()
    assert review(bob) == [{"type": "camera", "wanted": True}]


def test_a_new_connection_starts_with_its_camera_wanted(monkeypatch):
    """When Bob, paused, connects again, does his new connection start with its camera wanted despite Ann's report?"""
    monkeypatch.setattr(participant_module, "CAMERA_PAUSE_AFTER", 0.0)

    async def streams(ws):
        while not (message := await next_json(ws, skip=())).get("screens"):
            pass
        return message["screens"]

    async def scenario():
        async with running_node() as (node, client):
            bob = await client.ws_connect("/ws")
            await bob.send_json({"type": "join", "token": token(participant="bob")})
            ann = await client.ws_connect("/ws")
            await ann.send_json({"type": "join", "token": token(participant="ann")})
            [screen] = await streams(ann)
            await ann.send_json({"type": "hidden", "streams": [screen.removesuffix("-screen")]})
            paused = await asyncio.wait_for(camera_message(bob), 5)
            again = await client.ws_connect("/ws")
            await again.send_json({"type": "join", "token": token(participant="bob")})
            while (await next_json(again, skip=())).get("type") != "joined":
                pass
            [bob_again] = [p for p in node.registry.participants() if p.id == "bob"]
            bob_again.review_camera()
            return paused, bob_again.camera_paused

    paused, still_paused = asyncio.run(scenario())
    assert paused == {"type": "camera", "wanted": False}
    assert not still_paused
