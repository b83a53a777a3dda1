"""Active speaker from the audio levels in publishers' packets, decided on the node and sent to everyone."""

import asyncio

from sfu_node.speakers import HOLD_TICKS, LevelMeter, SpeakerDetector
from tests.support.inprocess import next_json, running_node, token

LOUD, QUIET, SILENT = 127 - 25, 127 - 70, 0.0


def test_level_meter_averages_loudness_and_starts_over():
    """Does the meter give the mean loudness since its last reading, and silence when nothing came?"""
    meter = LevelMeter()
    for level in (20, 40, None):
        meter.observe(None if level is None else (True, level))
    assert meter.take() == 127 - 30
    assert meter.take() == 0.0


def test_speaker_changes_only_after_being_loudest_for_a_while():
    """Does someone become the active speaker only after being loudest for several ticks in a row?"""
    detector = SpeakerDetector()
    changes = [detector.update({"ann": LOUD, "bob": QUIET}) for _ in range(HOLD_TICKS)]
    assert changes == [None] * (HOLD_TICKS - 1) + ["ann"]
    assert detector.update({"ann": QUIET, "bob": LOUD}) is None  # one word across ann
    assert detector.update({"ann": LOUD, "bob": QUIET}) is None
    assert detector.speaker == "ann"


def test_silence_keeps_the_last_speaker_and_quiet_noise_is_no_speech():
    """Through silence, does the last speaker stay, and does faint noise never take over?"""
    detector = SpeakerDetector()
    for _ in range(HOLD_TICKS):
        detector.update({"ann": LOUD, "bob": SILENT})
    for _ in range(5):
        assert detector.update({"ann": SILENT, "bob": QUIET}) is None
    assert detector.speaker == "ann"


def test_everyone_is_told_who_speaks():
    """When a participant's packets carry loud audio levels, is everyone in the room told they are the speaker?"""

    async def scenario():
        async with running_node() as (node, client):
            sockets = {}
            for name in ("ann", "bob"):
                sockets[name] = await client.ws_connect("/ws")
                await sockets[name].send_json({"type": "join", "token": token(participant=name)})
                while (await next_json(sockets[name], skip=())).get("type") != "joined":
                    pass
            [bob] = [p for p in node.registry.participants() if p.id == "bob"]

            async def talk():
                while True:
                    bob.published["audio"].level.observe((True, 25))
                    await asyncio.sleep(0.02)

            talking = asyncio.ensure_future(talk())
            try:
                while (message := await next_json(sockets["ann"], skip=())).get("type") != "speaker":
                    pass
                return message
            finally:
                talking.cancel()

    assert asyncio.run(scenario()) == {"type": "speaker", "participant": "bob"}
