"""What staff do in the console, and the audit row each action leaves."""

from datetime import timedelta

import sqlalchemy as sa

from app.admin.models import StaffAction
from app.auth.models import User, UserSession
from app.extensions import db
from app.nodes.models import RoomAssignment, SfuNode
from app.privacy.export import record
from app.privacy.inventory import categories
from app.privacy.models import RetentionRun
from app.rooms.models import Room
from app.site.models import ContactRequest
from app.support.models import SupportTicket
from app.timeutil import utcnow
from tests.support.accounts import AuthActions


def actions(app):
    with app.app_context():
        rows = db.session.scalars(sa.select(StaffAction).order_by(StaffAction.id)).all()
        return [(row.action, row.target_type, row.target_id) for row in rows if row.action != "device_confirmed"]


def add(app, *records):
    with app.app_context():
        db.session.add_all(records)
        db.session.commit()
        return [getattr(record, "id", None) for record in records]


def node(node_id="node-1"):
    now = utcnow()
    return SfuNode(
        id=node_id, region="eu-north", public_url="http://n.example:8000", capacity=48, last_heartbeat_at=now
    )


def test_search_finds_accounts_by_email_and_phone(client, staff, make_user):
    """Does the user search match part of an email address or a phone number, and show plan and sessions?"""
    make_user("carol@example.com", plan="pro")
    make_user(None, phone="+4791234567")
    html = client.get("/admin/users?q=carol").get_data(as_text=True)
    assert "carol@example.com" in html and "pro" in html and "+4791234567" not in html
    assert "+4791234567" in client.get("/admin/users?q=912345").get_data(as_text=True)


def test_disabling_ends_sessions_and_refuses_sign_in(app, staff, console, make_user):
    """Does disabling an account end its live session at once, refuse its next sign-in, and leave an audit row?"""
    victim_id = make_user("carol@example.com")
    carol = app.test_client()
    carol_auth = AuthActions(app, carol)
    carol_auth.login("carol@example.com")
    assert carol.get("/user/profile").status_code == 200
    response = console.post(f"/admin/users/{victim_id}/disable")
    assert response.status_code == 302
    assert carol.get("/user/profile").status_code == 302  # signed out
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == victim_id)) == 0
    carol_auth.login("carol@example.com")
    assert carol.get("/user/profile").status_code == 302
    assert actions(app) == [("user_disabled", "user", str(victim_id))]


def test_enabling_lets_the_account_sign_in_again(app, staff, console, make_user, auth):
    """After enable, can the account sign in again (and is that audited)?"""
    victim_id = make_user("carol@example.com")
    console.post(f"/admin/users/{victim_id}/disable")
    console.post(f"/admin/users/{victim_id}/enable")
    with app.app_context():
        assert db.session.get(User, victim_id).disabled_at is None
    assert actions(app)[-1] == ("user_enabled", "user", str(victim_id))


def test_staff_cannot_disable_themselves(app, client, staff, console):
    """Is disabling one's own account refused, so the console cannot lock everyone out by mistake?"""
    console.post(f"/admin/users/{staff}/disable")
    assert client.get("/admin/").status_code == 200
    assert actions(app) == []


def test_erasure_on_request_needs_the_address_typed(app, staff, console, make_user, count):
    """Does an erasure with the wrong address delete nothing, and with the right one erase and audit?"""
    victim_id = make_user("carol@example.com")
    assert console.post(f"/admin/users/{victim_id}/erase", contact="someone@example.com").status_code == 400
    assert count(User) == 2
    assert console.post(f"/admin/users/{victim_id}/erase", contact="carol@example.com").status_code == 302
    with app.app_context():
        assert db.session.get(User, victim_id) is None
    assert actions(app) == [("user_erased", "user", str(victim_id))]
    sent = app.extensions["parlor_mail"].outbox[-1]
    assert sent["To"] == "carol@example.com" and "deleted" in sent["Subject"]


def test_rooms_lock_and_delete(app, client, staff, console, make_user):
    """Can staff see a room's owner and mode, lock it and delete it, each action audited?"""
    owner_id = make_user("carol@example.com")
    (room_id,) = add(app, Room(name="carols-room", owner_id=owner_id, mode="small"))
    html = client.get("/admin/rooms?q=carol").get_data(as_text=True)
    assert "carols-room" in html and "carol@example.com" in html and "small" in html
    console.post(f"/admin/rooms/{room_id}/lock", locked="1")
    with app.app_context():
        assert db.session.get(Room, room_id).locked is True
    console.post(f"/admin/rooms/{room_id}/delete")
    with app.app_context():
        assert db.session.get(Room, room_id) is None
    assert actions(app) == [("room_locked", "room", str(room_id)), ("room_deleted", "room", str(room_id))]


def test_meetings_now_show_counts_and_never_names(app, client, staff, make_user):
    """Does the meetings page count people per room and name its node, without anyone's name?"""
    owner_id = make_user("carol@example.com")
    room_id, _ = add(app, Room(name="carols-room", owner_id=owner_id, mode="large"), node())
    add(app, RoomAssignment(room_id=room_id, node_id="node-1"))
    presence = app.extensions["parlor_presence"]
    for pid, name in (("p1", "Zelda Secretname"), ("p2", "Yusuf Hiddenname")):
        presence.join(room_id, {"id": pid, "name": name, "sid": pid}, capacity=12)
    html = client.get("/admin/meetings").get_data(as_text=True)
    assert f"#{room_id}" in html and "<td>2</td>" in html and "node-1" in html
    assert "Secretname" not in html and "Hiddenname" not in html


def test_nodes_drain_and_forget(app, client, staff, console, make_user):
    """Can staff drain a node (no new rooms) and forget it (assignments gone), each audited?"""
    owner_id = make_user("carol@example.com")
    room_id, _ = add(app, Room(name="carols-room", owner_id=owner_id, mode="large"), node())
    add(app, RoomAssignment(room_id=room_id, node_id="node-1"))
    assert "eu-north" in client.get("/admin/nodes").get_data(as_text=True)
    console.post("/admin/nodes/node-1/drain")
    with app.app_context():
        assert db.session.get(SfuNode, "node-1").accepts_new_rooms() is False
    console.post("/admin/nodes/node-1/forget")
    with app.app_context():
        assert db.session.get(SfuNode, "node-1") is None
        assert db.session.get(RoomAssignment, room_id) is None
    assert actions(app) == [("node_drained", "node", "node-1"), ("node_forgotten", "node", "node-1")]


def test_ticket_reply_goes_by_email_and_close_starts_retention(app, client, staff, console, runner, clock):
    """Does an answer reach the ticket's address, and does a closed ticket then follow its retention rule?"""
    (ticket_id,) = add(app, SupportTicket(email="dan@example.com", subject="Sound", message="No sound at all."))
    assert "No sound at all." in client.get(f"/admin/tickets/{ticket_id}").get_data(as_text=True)
    console.post(f"/admin/tickets/{ticket_id}", message="Try another microphone.")
    sent = app.extensions["parlor_mail"].outbox[-1]
    assert sent["To"] == "dan@example.com" and f"#{ticket_id}" in sent["Subject"]
    assert "Try another microphone." in sent.get_body(("plain",)).get_content()
    console.post(f"/admin/tickets/{ticket_id}/close")
    with app.app_context():
        ticket = db.session.get(SupportTicket, ticket_id)
        assert ticket.is_closed and ticket.replied_at is not None
    assert actions(app) == [("ticket_replied", "ticket", str(ticket_id)), ("ticket_closed", "ticket", str(ticket_id))]
    clock.advance(timedelta(days=app.config["CLOSED_TICKET_RETENTION_DAYS"] + 1))
    assert runner.invoke(args=["purge"]).exit_code == 0
    with app.app_context():
        assert db.session.get(SupportTicket, ticket_id) is None


def test_an_empty_reply_is_not_sent(app, client, staff, console):
    """Does an empty answer re-render the form with an error and send nothing?"""
    (ticket_id,) = add(app, SupportTicket(email="dan@example.com", subject="Sound", message="No sound at all."))
    before = len(app.extensions["parlor_mail"].outbox)
    assert console.post(f"/admin/tickets/{ticket_id}", message="").status_code == 400
    assert len(app.extensions["parlor_mail"].outbox) == before
    assert actions(app) == []


def test_sales_enquiries_are_listed(app, client, staff):
    """Can staff read sales enquiries?"""
    (enquiry_id,) = add(
        app, ContactRequest(name="Erin", email="erin@example.com", team_size="11-50", message="A quote, please.")
    )
    assert "Erin" in client.get("/admin/enquiries").get_data(as_text=True)
    assert "A quote, please." in client.get(f"/admin/enquiries/{enquiry_id}").get_data(as_text=True)


def test_purge_runs_are_recorded_and_shown(app, client, staff, runner):
    """Does each real `flask purge` leave a record of what it removed, shown under /admin/retention (dry runs not)?"""
    runner.invoke(args=["purge", "--dry-run"])
    runner.invoke(args=["purge"])
    with app.app_context():
        runs = db.session.scalars(sa.select(RetentionRun)).all()
        assert len(runs) == 1 and "closed support tickets" in runs[0].removed
    assert "Retention runs" in client.get("/admin/retention").get_data(as_text=True)
    assert "0 records" in client.get("/admin/retention").get_data(as_text=True)


def test_audit_rows_are_in_the_export_of_both_sides(app, staff, console, make_user):
    """Does the privacy export list staff actions for the staff member who took them and the account they touched?"""
    victim_id = make_user("carol@example.com")
    console.post(f"/admin/users/{victim_id}/disable")
    with app.app_context():
        category = next(c for c in categories() if c.key == "staff")
        source = category.sources[0]
        for user_id in (staff, victim_id):
            rows = [record(row, source) for row in source.rows(db.session.get(User, user_id))]
            assert any(row["action"] == "user_disabled" for row in rows), user_id


def test_audit_rows_outlive_nobody_beyond_retention(app, staff, console, runner, clock, make_user):
    """Does `flask purge` delete audit rows older than the staff audit retention period?"""
    victim_id = make_user("carol@example.com")
    console.post(f"/admin/users/{victim_id}/disable")
    clock.advance(timedelta(days=app.config["STAFF_AUDIT_RETENTION_DAYS"] + 1))
    runner.invoke(args=["purge"])
    assert actions(app) == []


def test_nodes_page_shows_each_worker(app, client, staff):
    """Does the nodes page list each media worker of a node with its state and load?"""
    multi = node("node-2")
    multi.workers = [
        {"index": 0, "state": "serving", "rooms": 1, "participants": 12, "cpu": 55.0, "restarts": 0},
        {"index": 1, "state": "draining", "rooms": 2, "participants": 7, "cpu": 30.0, "restarts": 2},
    ]
    add(app, multi)
    html = client.get("/admin/nodes").get_data(as_text=True)
    assert "Worker 0: serving, 12 people in 1 room, CPU 55%" in html
    assert "Worker 1: draining, 7 people in 2 rooms, CPU 30%, restarted 2×" in html
