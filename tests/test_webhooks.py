"""Customer webhooks: meeting events, signatures, retries and the outbox across restarts."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app import create_app
from app.auth.models import User
from app.extensions import db
from app.rooms.models import Room
from app.webhooks import delivery, services
from app.webhooks.models import DELIVERED, FAILED, PENDING, WebhookDelivery
from app.webhooks.signing import InvalidSignature, sign, verify

from .fixtures.app import make_config
from .support.sockets import join, ticket_for


def deliver(app):
    with app.app_context():
        return delivery.deliver_due()


def outbox(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()
        return [(row.event_type, row.status, row.attempts, row.next_attempt_at) for row in rows]


def test_signature_verifies():
    """Does a signature made with the secret verify, and nothing else does?"""
    header = sign("whsec_test", b'{"a":1}', timestamp=1_000_000)
    verify("whsec_test", header, b'{"a":1}', now=1_000_010)
    for secret, body, now in (("other", b'{"a":1}', 1_000_010), ("whsec_test", b'{"a":2}', 1_000_010)):
        with pytest.raises(InvalidSignature):
            verify(secret, header, body, now=now)


def test_old_signature_is_refused():
    """Is a captured request refused when replayed ten minutes later?"""
    header = sign("whsec_test", b"{}", timestamp=1_000_000)
    with pytest.raises(InvalidSignature):
        verify("whsec_test", header, b"{}", now=1_000_600)


def test_receiver_gets_joined_and_left_with_valid_signatures(app, connect, endpoint, receiver):
    """Does the owner's endpoint get the meeting's start, join, leave and end, each validly signed?"""
    socket = connect()
    assert join(socket, "Ada")["status"] == "joined"
    socket.emit("leave", callback=True)
    assert deliver(app) == 4
    events = receiver.events(endpoint[1])
    assert [e["type"] for e in events] == [
        "meeting.started",
        "room.client.joined",
        "room.client.left",
        "meeting.ended",
    ]
    joined, left = events[1]["data"], events[2]["data"]
    assert joined["roomName"] == "meet-here" and joined["roleName"] == "guest" and joined["numClients"] == 1
    assert left["numClients"] == 0 and left["participantId"] == joined["participantId"]
    assert "displayName" not in joined  # "Ada" was typed in the lobby, not passed by an embedding site
    assert "Ada" not in str(events)
    assert {"startedAt", "endedAt", "durationSeconds", "peakClients"} <= events[3]["data"].keys()
    assert [row[1] for row in outbox(app)] == [DELIVERED] * 4


def test_host_join_is_reported_as_host(app, connect, host_client, endpoint, receiver):
    """Is the room's owner reported with the host role?"""
    join(connect(host_client), "Owner")
    deliver(app)
    joined = [e for e in receiver.events(endpoint[1]) if e["type"] == "room.client.joined"]
    assert joined[0]["data"]["roleName"] == "host"


def test_display_name_only_from_the_embedding_sites_url(app, connect, endpoint, receiver):
    """Is a display name sent only when the room URL carried displayName?"""
    client = app.test_client()
    ticket = ticket_for(client, "meet-here?displayName=Grace%20H")
    join(connect(client, ticket=ticket), "Typed Name")
    deliver(app)
    joined = [e for e in receiver.events(endpoint[1]) if e["type"] == "room.client.joined"]
    assert joined[0]["data"]["displayName"] == "Grace H"
    assert "Typed Name" not in str(receiver.events(endpoint[1]))


def test_knock_is_sent(app, connect, endpoint, receiver):
    """Does a knock on a locked room reach the endpoint?"""
    with app.app_context():
        db.session.scalar(sa.select(Room)).locked = True
        db.session.commit()
    socket = connect()
    assert socket.emit("knock", {"name": "Visitor"}, callback=True)["status"] == "waiting"
    deliver(app)
    assert [e["type"] for e in receiver.events(endpoint[1])] == ["room.knock"]


def test_only_chosen_events_are_sent(app, connect, room, receiver):
    """Does an endpoint that chose meeting.ended get nothing else?"""
    with app.app_context():
        owner = db.session.scalar(sa.select(User).where(User.email == "host@example.com"))
        endpoint = services.add_endpoint(owner, receiver.url, ["meeting.ended"])
        secret = endpoint.secret
        db.session.commit()
    socket = connect()
    join(socket)
    socket.emit("leave", callback=True)
    deliver(app)
    assert [e["type"] for e in receiver.events(secret)] == ["meeting.ended"]


def test_down_receiver_is_retried_with_backoff_until_it_is_back(app, clock, connect, endpoint, receiver):
    """When the receiver is down, are deliveries retried later, further apart, and delivered once it is back?"""
    receiver.stop()
    join(connect())
    assert deliver(app) == 2
    first = outbox(app)
    assert all(status == PENDING and attempts == 1 for _, status, attempts, _ in first)
    assert deliver(app) == 0  # not due yet
    clock.advance(timedelta(seconds=11))
    assert deliver(app) == 2
    second = outbox(app)
    assert second[0][3] - clock.now >= timedelta(seconds=19)  # 10 s, then 20 s
    receiver.start()
    clock.advance(timedelta(seconds=21))
    assert deliver(app) == 2
    assert [row[1:3] for row in outbox(app)] == [(DELIVERED, 3), (DELIVERED, 3)]
    assert len(receiver.requests) == 2


def test_error_status_is_retried_and_logged(app, clock, connect, endpoint, receiver):
    """Does a 500 from the receiver count as a failure, with its code in the log?"""
    receiver.status = 500
    join(connect())
    deliver(app)
    with app.app_context():
        row = db.session.scalars(sa.select(WebhookDelivery)).first()
        assert (row.status, row.last_response_code) == (PENDING, 500)


def test_gives_up_after_a_day(app, clock, connect, endpoint, receiver):
    """Is a delivery marked failed once it has failed for 24 hours?"""
    receiver.stop()
    join(connect())
    for _ in range(40):
        clock.advance(timedelta(hours=1))
        deliver(app)
    assert {row[1] for row in outbox(app)} == {FAILED}


def test_outbox_survives_an_app_restart(app, clock, tmp_path, database_url, connect, endpoint, receiver):
    """Are events queued in one app process delivered exactly once by the next, after a crash mid-send?"""
    receiver.stop()
    socket = connect()
    join(socket)
    socket.emit("leave", callback=True)
    deliver(app)  # every attempt fails: the receiver is down
    receiver.start()
    # The app "crashes" right after claiming the first delivery and sending it: the receiver got
    # it, but the outbox never heard back.
    with app.app_context():
        clock.advance(timedelta(seconds=11))
        first = db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).first()
        assert delivery._claim(first.id, first.next_attempt_at, clock.now)
        delivery.post(first.endpoint.url, first.endpoint.secret, first.event_id, first.payload)
        db.session.remove()

    restarted = create_app(make_config(tmp_path, database_url))
    clock.advance(timedelta(minutes=2))  # past the crashed worker's lease
    assert deliver(restarted) == 4
    assert len(receiver.requests) == 5  # the crashed attempt's event came twice...
    unique = receiver.unique_events(endpoint[1])
    assert len(unique) == 4  # ...and once after de-duplication by event id
    assert {row[1] for row in outbox(restarted)} == {DELIVERED}
    with restarted.app_context():
        db.session.remove()
        db.engine.dispose()


def test_a_claimed_delivery_is_not_sent_twice_at_once(app, connect, endpoint, receiver):
    """Can two workers both claim the same due delivery?"""
    join(connect())
    with app.app_context():
        row = db.session.scalars(sa.select(WebhookDelivery)).first()
        seen_id, seen_due_at = row.id, row.next_attempt_at  # what both workers read
        assert delivery._claim(seen_id, seen_due_at, seen_due_at)
        assert not delivery._claim(seen_id, seen_due_at, seen_due_at)
