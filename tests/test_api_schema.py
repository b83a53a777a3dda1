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

from app.api.errors import ApiError
from app.api.meetings import check_prefix
from app.api.openapi import paths

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
            check_prefix(body["roomNamePrefix"], body.get("roomNamePattern", "uuid"))
        except ApiError:
            body["roomNamePrefix"] = "team"
    return case


def sendable(case):
    """Drop invalid queries the client cannot send: a parameter without a name, or with an empty or
    null value, is left out of the URL, and what arrives is a valid request."""
    query = case.query or {}
    return "" not in query and all(value not in (None, {}, []) for value in query.values())


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
    generated = schema[path][method].as_strategy(mode)
    valid = mode == GenerationMode.POSITIVE
    strategy = generated.map(within_content_rules) if valid else generated.filter(sendable)

    @given(case=strategy)
    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        case.call_and_validate(headers={"Authorization": f"Bearer {key}"})

    check()
