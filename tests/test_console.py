"""`make run`'s console: written for the person at the keyboard."""

import io
import logging

from app.accesslog import RedactedStream, RedactingFilter
from app.mail import code_box
from run import NOISE, banner


def werkzeug_record(request_line):
    return logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - [%s] "%s" %s %s',
        ("127.0.0.1", "now", request_line, "200", "-"),
        None,
    )


def test_node_heartbeats_leave_no_access_log_line():
    """Does a node's heartbeat stay out of the access log, under Werkzeug and eventlet alike?"""
    assert RedactingFilter().filter(werkzeug_record("POST /api/nodes/heartbeat HTTP/1.1")) is False
    stream = io.StringIO()
    RedactedStream(stream).write('127.0.0.1 - - [now] "POST /api/nodes/heartbeat HTTP/1.1" 200 12 0.003\n')
    RedactedStream(stream).write('127.0.0.1 - - [now] "GET /healthz HTTP/1.1" 200 12 0.001\n')
    assert stream.getvalue() == ""


def test_requests_people_make_are_still_logged():
    """Are page requests (even one whose path mentions healthz later on) still in the access log?"""
    assert RedactingFilter().filter(werkzeug_record("GET /user/login HTTP/1.1")) is True
    assert RedactingFilter().filter(werkzeug_record("GET /healthz-team HTTP/1.1")) is True
    stream = io.StringIO()
    RedactedStream(stream).write('127.0.0.1 - - [now] "GET /rooms HTTP/1.1" 200 12 0.003\n')
    assert "/rooms" in stream.getvalue()


def test_a_sign_in_code_is_framed_on_the_console():
    """Does a code message get a framed line naming the address and the code?"""
    box = code_box("bob@example.com", "123456 is your Parlor code")
    assert "Code for bob@example.com: 123456" in box
    assert box.count("====") >= 2
    assert code_box("bob@example.com", "Welcome to Parlor") == ""


def test_localstripe_request_lines_are_left_out():
    """Are localstripe's per-request lines dropped, but its errors kept?"""
    assert NOISE["stripe"].search('::1 [now] "POST /v1/customers HTTP/1.1" 200 130 "-" "Stripe/v1"')
    assert not NOISE["stripe"].search("Traceback (most recent call last):")


def test_banner_names_url_node_and_payments():
    """Does the startup banner say where to go, whether the node registered and what takes payments?"""
    text = banner("http://127.0.0.1:5000", "local-1", True, 5002)
    assert "http://127.0.0.1:5000" in text and "local-1, registered" in text and "localstripe on port 5002" in text
    assert "not registered yet" in banner("http://127.0.0.1:5000", "local-1", False, None)
    assert "STRIPE_SECRET_KEY" in banner("http://127.0.0.1:5000", "local-1", False, None)
