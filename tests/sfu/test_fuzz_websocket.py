"""Property-based fuzzing of every message type of the node's WebSocket.

For each type, a thousand generated payloads that are wrong for it: each must get an error
answer (never "internal error", the mark of an unhandled exception) and leave every room,
token and connection on the node as it was.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfu_node.signaling import MESSAGE_FIELDS
from tests.support.node_fuzzing import FUZZ, FuzzedNode, messages_for, raw_frames, refused_tokens, room_state

# A thousand examples a case: on a busy machine that outlasts the node tests' 60 s default.
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def fuzzed():
    with FuzzedNode() as node:
        yield node


def assert_refused(fuzzed, frame):
    before = room_state(fuzzed.node)
    reply = fuzzed.answer_to(frame)
    assert reply.get("type") == "error", (frame[:200], reply)
    assert reply["error"] != "internal error", frame[:200]
    assert room_state(fuzzed.node) == before, frame[:200]


@pytest.mark.parametrize("kind", sorted(MESSAGE_FIELDS))
def test_wrong_messages_of_each_type_refused_without_effect(fuzzed, kind):
    """Is every malformed message of this type answered with an error, changing nothing?"""

    @FUZZ
    @given(messages_for(kind))
    def check(frame):
        assert_refused(fuzzed, frame)

    check()


def test_frames_of_no_known_type_refused_without_effect(fuzzed):
    """Is every frame that is not a message of a known type (raw text, binary, other JSON) refused?"""

    @FUZZ
    @given(raw_frames)
    def check(frame):
        assert_refused(fuzzed, frame)

    check()


def test_refused_join_tokens_change_nothing(fuzzed):
    """Is every bad first join (garbage, forged, expired, spent, kicked, other node) refused and closed?"""

    @FUZZ
    @given(st.data())
    def check(data):
        token_value = data.draw(refused_tokens(fuzzed.spent))
        extra = data.draw(st.sampled_from([{}, {"room": "room-2"}]))
        frame = json.dumps({"type": "join", "token": token_value, **extra})
        before = room_state(fuzzed.node)
        reply, after = fuzzed.first_message(frame)
        assert reply.get("type") == "error" and reply["error"] != "internal error", (frame[:200], reply)
        assert after == {"closed": True}
        assert room_state(fuzzed.node) == before

    check()


def test_node_still_serves_after_the_fuzz(fuzzed):
    """After all that, does ann's socket still answer a ping and bob still sit in room-1?"""
    assert fuzzed.answer_to(json.dumps({"type": "ping"})) == {"type": "pong"}
    assert sorted(fuzzed.node.registry.rooms["room-1"].participants) == ["ann", "bob"]
