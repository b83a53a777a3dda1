"""A subscriber whose link cannot carry every base layer: videos paused by rank, audio never."""

import asyncio
from types import SimpleNamespace

import pytest

from sfu_node.adaptation import SubscriberAdaptation
from sfu_node.bandwidth import LayerChooser
from sfu_node.budget import OVER_FOR, RESUME_HOLD_MIN, RESUME_SETTLE, STARTUP_GRACE, SWAP_INTERVAL, VideoBudget
from tests.sfu.test_bandwidth import Clock
from tests.sfu.test_visibility import push, recording_track  # noqa: F401 - a fixture
from tests.support.inprocess import next_json, running_node, token
from tests.support.vp8_layers import l1t3_frames

KBIT = 1000


class Rates:
    def __init__(self, *per_layer):
        self.rates = list(per_layer)

    def roll(self):
        pass

    def up_to(self, layer):
        return sum(self.rates[: layer + 1])


class Track:
    """A subscriber's track of one publisher's video, at 60/40/40 kbit/s per temporal layer."""

    readyState = "live"
    hidden = False
    paused = False

    def __init__(self, name, spoke_at=float("-inf"), screen=False):
        self.id = name
        rates = Rates(60 * KBIT, 40 * KBIT, 40 * KBIT)
        self.source = SimpleNamespace(layer_rates=rates, spoke_at=spoke_at, screen=screen)
        self.layers = SimpleNamespace(target=2)
        self.keyframe_floor = None

    def set_paused(self, paused):
        self.paused = paused


@pytest.fixture
def clock():
    return Clock()


def over(budget, clock, videos, estimate):
    """``fit`` while the estimate stays under what is sent for OVER_FOR seconds; what the second call says."""
    assert not budget.fit(videos, estimate, 0.0)  # not at the first report over
    clock.now += OVER_FOR
    return budget.fit(videos, estimate, 0.0)


def weak_subscriber(clock, estimate, videos):
    """A subscriber of ``videos`` whose REMB says ``estimate``."""
    adaptation = SubscriberAdaptation()
    adaptation.chooser = LayerChooser(clock=clock)
    adaptation.budget = VideoBudget(clock=clock, grace=0)
    adaptation.tracks.extend(videos)
    adaptation.estimate = estimate
    return adaptation


def test_five_publishers_on_a_weak_link_send_the_recent_speakers_base_layers_only(clock):
    """On a 175 kbit/s estimate (a 400 kbit/s link beside five voices), are only two base layers sent?"""
    videos = [Track(f"v{n}", spoke_at=clock.now - 60 + n) for n in range(5)]  # v4 spoke last
    told = []
    adaptation = weak_subscriber(clock, 175 * KBIT, videos)
    adaptation.on_paused = told.append
    assert adaptation.adapt() == 0
    assert not any(t.paused for t in videos)  # not on the first look
    clock.now += 1
    adaptation.adapt()
    # Base layers of 60: two fit, those of the two who spoke last.
    assert [t.id for t in videos if not t.paused] == ["v3", "v4"]
    assert told == [videos[:3]]
    assert adaptation.cost(0) <= 175 * KBIT
    adaptation.estimate = 25 * KBIT  # under one base layer: the latest speaker's still goes on
    adaptation.adapt()
    clock.now += 1
    adaptation.adapt()
    assert [t.id for t in videos if not t.paused] == ["v4"]


def test_a_paused_video_comes_back_once_the_estimate_has_room_for_a_while(clock):
    """Does a paused video resume only when the estimate has room for a while, and wait twice as long if that fails?"""
    budget = VideoBudget(clock=clock, grace=0)
    videos = [Track("a", spoke_at=1), Track("b", spoke_at=2)]
    assert over(budget, clock, videos, 100 * KBIT)
    assert budget.paused == {videos[0]}
    # 65 kbit/s holds b's base layer (60) but not all that is sent (70): a stays paused, however long.
    for _ in range(10):
        clock.now += 1
        assert not budget.fit(videos, 65 * KBIT, 0.0, sent=70 * KBIT)
    # What is sent fits: a is tried, not at once, only after RESUME_HOLD_MIN seconds of that.
    assert not budget.fit(videos, 140 * KBIT, 0.0)
    clock.now += RESUME_HOLD_MIN - 0.5
    assert not budget.fit(videos, 140 * KBIT, 0.0)
    clock.now += 1
    assert budget.fit(videos, 140 * KBIT, 0.0)
    assert budget.paused == set() and budget.resumes == 1
    # It did not fit after all (the estimate fell): paused again, and once that try has settled,
    # the next waits twice as long.
    assert over(budget, clock, videos, 100 * KBIT)
    assert budget.paused == {videos[0]}
    clock.now += RESUME_SETTLE
    budget.fit(videos, 140 * KBIT, 0.0)
    clock.now += 2 * RESUME_HOLD_MIN - 0.5
    assert not budget.fit(videos, 140 * KBIT, 0.0)
    clock.now += 1
    assert budget.fit(videos, 140 * KBIT, 0.0) and not budget.paused
    # High loss holds a resume back whatever the estimate says.
    clock.now += 60
    over(budget, clock, videos, 100 * KBIT)
    for _ in range(20):
        clock.now += 1
        assert not budget.fit(videos, 140 * KBIT, 0.2)
    # What is sent above the base layers counts too: 140 is under 150.
    clock.now += 60
    budget.fit(videos, 140 * KBIT, 0.0, sent=150 * KBIT)
    clock.now += 60
    assert not budget.fit(videos, 140 * KBIT, 0.0, sent=150 * KBIT)


def test_nothing_is_paused_while_the_first_estimates_climb(clock):
    """Is a subscriber's low estimate of its first STARTUP_GRACE seconds (a browser's start) no reason to pause?"""
    budget = VideoBudget(clock=clock)
    videos = [Track("a"), Track("b")]
    start = clock.now
    while clock.now < start + STARTUP_GRACE - 1:
        assert not budget.fit(videos, 50 * KBIT, 0.0)
        clock.now += 0.5
    clock.now += 1
    assert over(budget, clock, videos, 50 * KBIT) and len(budget.paused) == 1


def test_a_video_tried_again_is_given_time_while_the_estimate_climbs(clock):
    """After a try, is a low but rising estimate left to catch up, and only a falling one a failure?"""
    budget = VideoBudget(clock=clock, grace=0)
    videos = [Track("a", spoke_at=1), Track("b", spoke_at=2), Track("c", spoke_at=3)]
    over(budget, clock, videos, 70 * KBIT)  # a and b paused: the estimate stands at 70 with c alone
    assert budget.paused == set(videos[:2])
    clock.now += RESUME_HOLD_MIN  # c's 60 fits in 70: b is tried
    budget.fit(videos, 70 * KBIT, 0.0)
    clock.now += RESUME_HOLD_MIN
    assert budget.fit(videos, 70 * KBIT, 0.0) and budget.paused == {videos[0]}
    estimate = 70 * KBIT
    start = clock.now
    while clock.now < start + RESUME_SETTLE - 0.5:  # b and c's 120 is over 70, but it climbs
        clock.now += 0.5
        estimate *= 1.02
        assert not budget.fit(videos, estimate, 0.0)
    assert budget.paused == {videos[0]}
    clock.now += 0.5  # settled and still over: paused again once that lasts OVER_FOR
    assert not budget.fit(videos, estimate, 0.0)
    clock.now += OVER_FOR
    assert budget.fit(videos, estimate, 0.0) and budget.paused == set(videos[:2])
    # A try whose estimate falls (the link queued) is paused again without waiting for the settle.
    clock.now += 100
    budget.fit(videos, 300 * KBIT, 0.0)
    clock.now += 100
    assert budget.fit(videos, 300 * KBIT, 0.0) and budget.paused == {videos[0]}
    clock.now += 100
    budget.fit(videos, 300 * KBIT, 0.0)
    clock.now += 100
    assert budget.fit(videos, 300 * KBIT, 0.0) and not budget.paused
    clock.now += 0.5
    assert not budget.fit(videos, 150 * KBIT, 0.0)  # under the 180 sent, and falling: over, for now
    clock.now += OVER_FOR
    assert budget.fit(videos, 150 * KBIT, 0.0) and budget.paused == {videos[0]}


def test_one_low_report_pauses_nothing(clock):
    """Does an estimate that dips under what is sent for less than OVER_FOR seconds leave every video on?"""
    budget = VideoBudget(clock=clock, grace=0)
    videos = [Track("a"), Track("b")]
    for _ in range(10):
        assert not budget.fit(videos, 100 * KBIT, 0.0)
        clock.now += OVER_FOR / 2
        assert not budget.fit(videos, 200 * KBIT, 0.0)
    assert budget.paused == set()


def test_a_paused_publisher_who_starts_speaking_takes_a_quiet_ones_place(clock):
    """Does a paused publisher who speaks swap with the longest-quiet shown one, no more than once per SWAP_INTERVAL?"""
    budget = VideoBudget(clock=clock, grace=0)
    a, b = Track("a", spoke_at=clock.now - 30), Track("b", spoke_at=clock.now - 20)
    c = Track("c", spoke_at=clock.now - 1)
    assert over(budget, clock, [a, b, c], 130 * KBIT)
    assert budget.paused == {a}
    a.source.spoke_at = clock.now  # a speaks
    assert budget.fit([a, b, c], 130 * KBIT, 0.0)
    assert budget.paused == {b}  # b, quiet for 20 s, gives way
    b.source.spoke_at = c.source.spoke_at = clock.now - 30
    clock.now += 1
    b.source.spoke_at = clock.now
    assert not budget.fit([a, b, c], 130 * KBIT, 0.0)  # too soon after the last swap
    clock.now += SWAP_INTERVAL
    b.source.spoke_at = clock.now
    assert budget.fit([a, b, c], 130 * KBIT, 0.0)
    assert budget.paused == {c}


def test_a_shared_screen_is_the_last_video_paused(clock):
    """With room for one base layer, is it the shared screen's, even over someone speaking now?"""
    budget = VideoBudget(clock=clock, grace=0)
    screen = Track("screen", spoke_at=clock.now - 300, screen=True)
    speaker = Track("speaker", spoke_at=clock.now)
    over(budget, clock, [speaker, screen], 70 * KBIT)
    assert budget.paused == {speaker}
    clock.now += 60
    assert not budget.fit([speaker, screen], 70 * KBIT, 0.0)  # a speaker never displaces a screen


def test_a_hidden_or_departed_video_is_no_longer_counted_as_paused(clock):
    """When a paused tile is hidden (or its publisher leaves), is it dropped from the paused set?"""
    budget = VideoBudget(clock=clock, grace=0)
    a, b = Track("a", spoke_at=1), Track("b", spoke_at=2)
    over(budget, clock, [a, b], 70 * KBIT)
    assert budget.paused == {a}
    assert budget.fit([b], 70 * KBIT, 0.0)
    assert budget.paused == set()


def test_no_layer_is_added_while_a_video_is_paused(clock):
    """With a video paused and room to spare, is that video tried before anyone's next temporal layer?"""
    videos = [Track("a", spoke_at=1), Track("b", spoke_at=2)]
    adaptation = weak_subscriber(clock, 100 * KBIT, videos)
    for _ in range(4):
        adaptation.adapt()
        clock.now += 0.5
    assert [t.paused for t in videos] == [True, False] and adaptation.chooser.layer == 0
    for _ in range(int(RESUME_HOLD_MIN * 2) - 1):  # 100 is well above b's 60: a layer would go up
        adaptation.adapt()
        assert adaptation.chooser.layer == 0
        clock.now += 0.5
    adaptation.adapt()
    assert not videos[0].paused and adaptation.chooser.layer == 0


def test_the_last_video_is_never_paused(clock):
    """On an estimate under one base layer, does one video still go on (the estimate needs video to measure)?"""
    budget = VideoBudget(clock=clock, grace=0)
    alone = [Track("a")]
    for _ in range(10):
        assert not budget.fit(alone, 10 * KBIT, 0.0)
        clock.now += 1
    assert budget.paused == set()


def test_no_estimate_pauses_nothing(clock):
    """Before the subscriber's first REMB, is every video sent?"""
    adaptation = weak_subscriber(clock, None, [Track(f"v{n}") for n in range(5)])
    adaptation.adapt()
    assert not any(t.paused for t in adaptation.tracks)


def test_a_paused_video_stays_off_until_neither_paused_nor_hidden(recording_track):  # noqa: F811
    """Does a video paused for the link and hidden by the page resume (on a keyframe) only when both are lifted?"""
    publisher, track, sent = recording_track
    push(track, l1t3_frames(4))
    before = len(sent)
    track.set_paused(True)
    track.set_hidden(True)
    track.set_paused(False)
    push(track, l1t3_frames(4, first_seq=200, first_picture=100, first_tl0=3))
    assert len(sent) == before and track.off
    requests = publisher.requests
    track.set_hidden(False)
    assert not track.off and publisher.requests == requests + 1
    later = l1t3_frames(4, first_seq=400, first_picture=300, first_tl0=9)
    push(track, later[1:2])
    assert len(sent) == before  # a delta after the pause is not decodable: wait for the keyframe
    push(track, later[:1])
    assert sent[before][0] == (sent[before - 1][0] + 1) % 65536


def test_the_page_is_told_whose_camera_its_link_cannot_carry():
    """When Ann's link cannot carry Bob's camera, is Ann's page told so, and told again when it comes back?"""

    async def scenario():
        async with running_node() as (node, client):
            bob = await client.ws_connect("/ws")
            await bob.send_json({"type": "join", "token": token(participant="bob")})
            ann = await client.ws_connect("/ws")
            await ann.send_json({"type": "join", "token": token(participant="ann")})
            while not (await next_json(ann, skip=())).get("screens"):
                pass
            [participant] = [p for p in node.registry.participants() if p.id == "ann"]
            [sub] = participant.subscriptions.values()
            _audio, camera, _screen = sub.tracks
            told = []
            participant._tell_paused([camera])
            participant._tell_paused([camera])  # said once only
            participant._tell_paused([])
            while len(told) < 2:
                message = await next_json(ann, skip=())
                if message.get("type") == "paused":
                    told.append(message)
            return told

    told = asyncio.run(scenario())
    assert told == [
        {"type": "paused", "cameras": ["bob"], "screens": []},
        {"type": "paused", "cameras": [], "screens": []},
    ]


def test_a_video_that_sends_nothing_is_never_paused(clock):
    """Is an idle screen line (or a camera turned off) left out of the paused set and of what the page is told?"""
    idle = Track("idle-screen", screen=True)
    idle.source.layer_rates = Rates(0, 0, 0)
    videos = [Track("a", spoke_at=1), Track("b", spoke_at=2), idle]
    told = []
    adaptation = weak_subscriber(clock, 100 * KBIT, videos)  # under a's and b's 120
    adaptation.on_paused = told.append
    for _ in range(3):
        adaptation.adapt()
        clock.now += 1
    assert told == [[videos[0]]] and not idle.paused
