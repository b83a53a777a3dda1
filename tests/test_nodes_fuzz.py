"""Property-based fuzzing of the signed headers of the app's node control plane (/api/nodes/*).

A node request whose signature headers were dropped, garbled, lengthened or given
non-ASCII digits (the '²' that once made a 500) must get a 4xx JSON error, never a 500,
and store nothing.
"""

import json

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.nodes.models import NodeNonce, SfuNode
from sfu_node import protocol
from tests.support.fuzz_headers import APP_HEADER_CHARS, tampered_headers
from tests.support.node_fuzzing import FUZZ

MASTER = "testing-node-master-secret"
NODE_ID = "node-fuzz"
REPORT = {
    "node_id": NODE_ID,
    "region": "eu-north",
    "public_url": "http://127.0.0.1:9000",
    "version": "1.0",
    "capacity": 48,
    "state": "serving",
}
# The app and client fixtures live for the whole property: no request may change them.
APP_FUZZ = settings(FUZZ, suppress_health_check=[*FUZZ.suppress_health_check, HealthCheck.function_scoped_fixture])


def stored(app):
    with app.app_context():
        return (
            db.session.scalar(sa.select(sa.func.count()).select_from(SfuNode)),
            db.session.scalar(sa.select(sa.func.count()).select_from(NodeNonce)),
        )


@pytest.mark.fuzz
@pytest.mark.parametrize("path", ["/api/nodes/register", "/api/nodes/heartbeat"])
def test_tampered_node_headers_refused_with_json_4xx(app, client, path):
    """Is every node request with tampered signature headers refused with a 4xx JSON error, storing nothing?"""
    body = json.dumps(REPORT).encode()
    key = protocol.derive_node_key(MASTER, NODE_ID)
    before = stored(app)

    @APP_FUZZ
    @given(st.data())
    def check(data):
        signed = protocol.sign_request(key, NODE_ID, "POST", path, body)
        headers = data.draw(tampered_headers(signed, APP_HEADER_CHARS))
        response = client.post(path, data=body, headers=headers, content_type="application/json")
        assert 400 <= response.status_code < 500, (headers, response.status_code)
        assert "error" in response.get_json()
        assert stored(app) == before

    check()


@pytest.mark.parametrize("timestamp", ["17²", "١٧٠٠٠٠٠٠٠٠", "0" * 40])
def test_non_ascii_timestamp_refused_not_crashed(client, timestamp):
    """Is a timestamp of non-ASCII or too many digits refused with 401 JSON, not a 500?"""
    body = json.dumps(REPORT).encode()
    headers = protocol.sign_request(
        protocol.derive_node_key(MASTER, NODE_ID), NODE_ID, "POST", "/api/nodes/register", body
    )
    headers[protocol.HEADER_TIMESTAMP] = timestamp
    response = client.post("/api/nodes/register", data=body, headers=headers, content_type="application/json")
    assert response.status_code == 401
    assert "malformed header" in response.get_json()["error"]
