"""Organisations and personal data: erasure, export, the dashboard and the delete page."""

import io
import json
import zipfile

import sqlalchemy as sa

from app.extensions import db
from app.orgs.models import AuditEntry, Invitation, Membership, Organisation
from app.rooms.models import Room

from .support.orgs import erase_account, invite, membership_id, post, roles


def test_erasing_a_member_removes_them_from_the_organisation(app, acme, sign_in):
    """Does erasing a member's account take them out of the organisation and keep its rooms and log?"""
    post(sign_in("admin@example.com"), "/org/acme/rooms", "/org/acme/rooms", name="standup")
    member = sign_in("member@example.com")
    response = erase_account(app, member, "member@example.com")
    assert response.headers["Location"].endswith("/user/privacy/deleted")
    assert set(roles(app)) == {"owner@example.com", "admin@example.com"}
    with app.app_context():
        assert db.session.scalar(sa.select(Room.name).where(Room.org_id.is_not(None))) == "acme-standup"


def test_erasing_the_last_owner_is_refused_and_explained(app, acme, sign_in):
    """Is the only owner of an organisation with members told why on the delete page, and refused?"""
    owner = sign_in("owner@example.com")
    page = owner.get("/user/privacy/delete").get_data(as_text=True)
    assert 'id="erasure-blockers"' in page and "only owner of Acme" in page
    erase_account(app, owner, "owner@example.com")
    assert roles(app)["owner@example.com"] == "owner"
    assert "Your account was not deleted" in owner.get("/user/privacy/delete").get_data(as_text=True)


def test_after_handing_over_the_owner_can_be_erased_and_team_rooms_stay(app, acme, sign_in):
    """Once ownership is handed over, is the former owner erased while the team rooms move to the new owner?"""
    owner = sign_in("owner@example.com")
    post(owner, "/org/acme/rooms", "/org/acme/rooms", name="standup")
    post(owner, f"/org/acme/members/{membership_id(app, 'admin@example.com')}/owner", "/org/acme/members")
    assert erase_account(app, owner, "owner@example.com").headers["Location"].endswith("/user/privacy/deleted")
    with app.app_context():
        room = db.session.scalar(sa.select(Room).where(Room.name == "acme-standup"))
        assert room.owner.email == "admin@example.com"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) > 0


def test_a_sole_member_organisation_goes_with_its_owner(app, make_org, sign_in):
    """Is an organisation nobody else is in deleted, rooms and all, with its only owner?"""
    make_org("solo", owner="solo@example.com")
    solo = sign_in("solo@example.com")
    post(solo, "/org/solo/rooms", "/org/solo/rooms", name="den")
    erase_account(app, solo, "solo@example.com")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Room)) == 0


def test_erasure_forgets_invitations_to_the_address(app, acme, sign_in, make_user):
    """Are invitations to an erased address deleted and its address blanked in the audit log?"""
    make_user("later@example.com")
    invite(sign_in("owner@example.com"), "later@example.com")
    erase_account(app, sign_in("later@example.com"), "later@example.com")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0
        emails = db.session.scalars(sa.select(AuditEntry.subject_email)).all()
        assert "later@example.com" not in emails


def test_export_and_dashboard_show_memberships_and_the_audit_log(app, acme, sign_in):
    """Are a member's membership and the audit entries about them in the export and the dashboard?"""
    owner = sign_in("owner@example.com")
    post(owner, f"/org/acme/members/{membership_id(app, 'member@example.com')}/role", "/org/acme/members", role="admin")
    member = sign_in("member@example.com")
    dashboard = member.get("/user/privacy/").get_data(as_text=True)
    assert 'data-category="organisations"' in dashboard and "member to admin" in dashboard
    archive = zipfile.ZipFile(io.BytesIO(post(member, "/user/privacy/export", "/user/privacy/export").data))
    data = json.loads(archive.read("organisations.json"))
    assert [m["role"] for m in data["org_members"]] == ["admin"]
    assert any(e["action"] == "role_changed" for e in data["org_audit"])
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 3
