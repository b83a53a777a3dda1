"""Schemathesis against the spec ``/v1`` serves, through the Flask app (WSGI): every operation,
generated valid and invalid inputs, no 5xx, and every answer conforms to the spec.

Schemathesis' own pytest loader does not run under pytest 9 yet, so Hypothesis drives each
operation's strategy here, and ``call_and_validate`` runs Schemathesis' default checks.
"""

from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from app.api.meetings import random_part
from app.api.openapi import paths
from app.rooms.names import InvalidRoomName, check_room_name

from .support.api import end_in

pytestmark = pytest.mark.fuzz


def cases():
    for path, methods in paths().items():
        for method, operation in methods.items():
            yield path, method.upper(), GenerationMode.POSITIVE
            if operation.get("parameters") or operation.get("requestBody"):  # else nothing can be invalid
                yield path, method.upper(), GenerationMode.NEGATIVE


def within_content_rules(case):
    """Valid bodies, also by the rules JSON Schema cannot state: an endDate in the future, and a room
    name prefix that fits the pattern and uses no reserved or banned words. test_api_meetings.py
    checks those refusals one by one."""
    body = case.body
    if isinstance(body, dict) and "endDate" in body:
        body["endDate"] = end_in(timedelta(days=30))
    if isinstance(body, dict) and body.get("roomNamePrefix"):
        try:
            check_room_name(f"{body['roomNamePrefix']}-{random_part(body.get('roomNamePattern', 'uuid'))}")
        except InvalidRoomName:
            body["roomNamePrefix"] = "team"
    return case


@pytest.fixture
def served_schema(app, make_api_key):
    key = make_api_key()
    # A meeting to find, so the single-meeting operations are not only ever 404s.
    app.test_client().post("/v1/meetings", json={"endDate": end_in()}, headers={"Authorization": f"Bearer {key}"})
    return schemathesis.openapi.from_wsgi("/v1/openapi.json", app), key


@pytest.mark.parametrize(("path", "method", "mode"), list(cases()))
def test_every_operation_answers_as_documented(served_schema, path, method, mode):
    """Does every operation, for generated valid and invalid input, answer without a 5xx and as the spec says?"""
    schema, key = served_schema
    strategy = schema[path][method].as_strategy(mode)
    if mode == GenerationMode.POSITIVE:
        strategy = strategy.map(within_content_rules)

    @given(case=strategy)
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"})

    check()
