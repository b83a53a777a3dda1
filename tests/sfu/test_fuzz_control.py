"""Property-based fuzzing of the signed headers of the node's control API (/control/*).

Every request whose signature headers were dropped, garbled, lengthened or given
non-ASCII digits must be refused with a 4xx JSON error and change nothing.
"""

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sfu_node import protocol
from tests.support.fuzz_headers import NODE_HEADER_CHARS, tampered_headers
from tests.support.inprocess import NODE_ID, NODE_KEY
from tests.support.node_fuzzing import FUZZ, FuzzedNode, room_state

# A thousand examples a case: on a busy machine that outlasts the node tests' 60 s default.
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(300)]

REQUESTS = {
    "/control/kick": {"room": "room-1", "participant": "bob"},
    "/control/close-room": {"room": "room-1"},
}


@pytest.fixture(scope="module")
def fuzzed():
    with FuzzedNode() as node:
        yield node


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_tampered_control_headers_refused_with_json_4xx(fuzzed, path):
    """Is every control request with tampered signature headers refused with a 4xx JSON error?"""
    body = json.dumps(REQUESTS[path]).encode()

    async def send(headers):
        response = await fuzzed.client.post(path, data=body, headers=headers)
        return response.status, response.content_type, await response.text()

    @FUZZ
    @given(st.data())
    def check(data):
        signed = protocol.sign_request(NODE_KEY, NODE_ID, "POST", path, body)
        headers = data.draw(tampered_headers(signed, NODE_HEADER_CHARS))
        before = room_state(fuzzed.node)
        status, content_type, text = fuzzed.run(send(headers))
        assert 400 <= status < 500, (headers, status, text)
        assert content_type == "application/json" and "error" in json.loads(text)
        assert room_state(fuzzed.node) == before

    check()
