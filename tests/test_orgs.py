"""Organisations: creating, inviting, roles, leaving, and who may open which page."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeSerializer

from app.extensions import db
from app.orgs import services
from app.orgs.models import AuditEntry, Membership, Organisation

from .support.accounts import AuthActions
from .support.orgs import invitation_ids, invitation_link, invite, membership_id, path_of, post, roles


def seats_taken(app, slug="acme"):
    with app.app_context():
        return services.seats_taken(services.get_org(slug))


def test_operator_creates_an_organisation_without_billing(app, runner, make_user):
    """Does `flask orgs create` make an owned organisation with fixed seats and no billing?"""
    make_user("boss@example.com")
    result = runner.invoke(args=["orgs", "create", "acme", "--owner", "boss@example.com", "--seats", "3"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        org = db.session.scalar(sa.select(Organisation))
        assert (org.slug, org.seats, org.billed) == ("acme", 3, False)
    assert roles(app) == {"boss@example.com": "owner"}
    again = runner.invoke(args=["orgs", "create", "acme", "--owner", "boss@example.com", "--seats", "4"])
    assert again.exit_code == 0 and "seats set to 4" in again.output


def test_cli_refuses_reserved_and_unknown(runner, make_user):
    """Are a reserved address and an unknown owner refused with a message?"""
    make_user("boss@example.com")
    assert "reserved" in runner.invoke(args=["orgs", "create", "admin", "--owner", "boss@example.com"]).output
    assert "No account" in runner.invoke(args=["orgs", "create", "acme", "--owner", "x@example.com"]).output


def test_invitation_end_to_end(app, mailbox, acme, sign_in):
    """Does an invitation travel by email, let a newcomer sign up through it, and count their seat?"""
    owner = sign_in("owner@example.com")
    page = owner.get("/org/acme/members").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page and ">Invite</button>" in page
    response = invite(owner, "newbie@example.com")
    assert response.status_code == 302
    [message] = mailbox.wait_for("newbie@example.com")
    assert "Acme" in message["Subject"]
    link = path_of(invitation_link(message))
    newbie = AuthActions(app, app.test_client())
    landing = newbie.client.get(link).get_data(as_text=True)
    assert "Sign up with newbie@example.com" in landing
    newbie.request_code("newbie@example.com", path=f"/user/signup?next={link}", accept_terms="y", next=link)
    code = re.search(r"\b(\d{6})\b", mailbox.wait_for("newbie@example.com", count=2)[-1]["Subject"]).group(1)
    assert newbie.enter_code(code).headers["Location"] == link
    accepted = post(newbie.client, link, link)
    assert accepted.status_code == 302 and accepted.headers["Location"].endswith("/org/acme/members")
    assert roles(app)["newbie@example.com"] == "member"
    assert seats_taken(app) == 4 and invitation_ids(app) == []


def invited_link(app, owner, email="newbie@example.com"):
    invite(owner, email)
    message = [m for m in app.extensions["parlor_mail"].outbox if email in m["To"]][-1]
    return path_of(invitation_link(message))


def test_used_link_is_refused(app, acme, sign_in, make_user):
    """Can an invitation link be used a second time?"""
    make_user("newbie@example.com")
    link = invited_link(app, sign_in("owner@example.com"))
    newbie = sign_in("newbie@example.com")
    assert post(newbie, link, link).status_code == 302
    assert newbie.get(link).status_code == 404


def test_expired_link_is_refused(app, acme, sign_in, make_user, clock):
    """Is a link refused once its week is over?"""
    make_user("newbie@example.com")
    link = invited_link(app, sign_in("owner@example.com"))
    clock.advance(timedelta(days=8))
    response = sign_in("newbie@example.com").get(link)
    assert response.status_code == 404 and "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("tamper", ["signature", "id", "nonce"])
def test_forged_link_is_refused(app, acme, sign_in, make_user, tamper):
    """Does a link with a changed signature, invitation id or secret open nothing?"""
    make_user("newbie@example.com")
    link = invited_link(app, sign_in("owner@example.com"))
    token = link.rsplit("/", 1)[1]
    serializer = URLSafeSerializer(app.config["SECRET_KEY"], salt="parlor-org-invitation")
    data = serializer.loads(token)
    forged = {
        "signature": token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        "id": URLSafeSerializer("guessed", salt="parlor-org-invitation").dumps(data),
        "nonce": serializer.dumps({"i": data["i"], "n": "guessed"}),
    }[tamper]
    newbie = sign_in("newbie@example.com")
    response = post(newbie, f"/org/invitations/{forged}", link)
    assert response.status_code == 404
    assert "newbie@example.com" not in roles(app)


def test_resent_invitation_kills_the_old_link(app, acme, sign_in, make_user):
    """After Resend, does the earlier link stop working while the new one works?"""
    make_user("newbie@example.com")
    owner = sign_in("owner@example.com")
    old = invited_link(app, owner)
    [invitation_id] = invitation_ids(app)
    post(owner, f"/org/acme/invitations/{invitation_id}/resend", "/org/acme/members")
    new = path_of(invitation_link(app.extensions["parlor_mail"].outbox[-1]))
    newbie = sign_in("newbie@example.com")
    assert newbie.get(old).status_code == 404
    assert post(newbie, new, new).status_code == 302


def test_invitation_for_another_address_is_refused(app, acme, sign_in, make_user):
    """Can someone signed in with a different address use an invitation meant for another?"""
    make_user("mallory@example.com")
    link = invited_link(app, sign_in("owner@example.com"))
    response = post(sign_in("mallory@example.com"), link, link)
    assert response.status_code == 403 and "mallory@example.com" not in roles(app)


def test_revoked_invitation_frees_its_seat(app, acme, sign_in):
    """Does withdrawing an invitation kill its link and free its seat?"""
    owner = sign_in("owner@example.com")
    link = invited_link(app, owner)
    assert seats_taken(app) == 4
    [invitation_id] = invitation_ids(app)
    post(owner, f"/org/acme/invitations/{invitation_id}/revoke", "/org/acme/members")
    assert seats_taken(app) == 3 and owner.get(link).status_code == 404


def test_inviting_beyond_the_seats_asks_for_more(app, make_org, sign_in):
    """With every seat taken, is an invitation refused with a pointer to adding seats, until one is freed?"""
    make_org("acme", members={"member@example.com": "member"}, seats=2)
    owner = sign_in("owner@example.com")
    response = invite(owner, "third@example.com")
    assert response.status_code == 400 and "must add seats" in response.get_data(as_text=True)
    post(owner, f"/org/acme/members/{membership_id(app, 'member@example.com')}/remove", "/org/acme/members")
    assert invite(owner, "third@example.com").status_code == 302


# ---------------------------------------------------------------- roles on every endpoint
def endpoints(app):
    member = membership_id(app, "member@example.com")
    return [
        ("post", "/org/acme/members", {"email": "x@example.com", "role": "member"}),
        ("post", "/org/acme/invitations/1/resend", {}),
        ("post", "/org/acme/invitations/1/revoke", {}),
        ("post", f"/org/acme/members/{member}/remove", {}),
        ("post", f"/org/acme/members/{member}/role", {"role": "admin"}),
        ("post", f"/org/acme/members/{member}/owner", {}),
        ("get", "/org/acme/audit", {}),
        ("post", "/org/acme/rooms", {"name": "standup"}),
        ("post", "/org/acme/rooms/1/delete", {}),
        ("get", "/org/acme/billing", {}),
        ("post", "/org/acme/billing", {"seats": "9"}),
        ("get", "/org/acme/branding", {}),
        ("post", "/org/acme/branding", {"accent_colour": "#000000"}),
        ("get", "/org/acme/usage", {}),
        ("post", "/org/acme/branding/images/remove", {}),
    ]


def test_a_member_cannot_manage(app, acme, sign_in):
    """Does a plain member get 403 from every endpoint that manages the organisation?"""
    invite(sign_in("owner@example.com"), "pending@example.com")
    member = sign_in("member@example.com")
    for method, path, data in endpoints(app):
        response = member.get(path) if method == "get" else post(member, path, "/org/acme/members", **data)
        assert response.status_code == 403, (path, response.status_code)
    assert set(roles(app)) == {"owner@example.com", "admin@example.com", "member@example.com"}


def test_another_organisations_admin_gets_404(app, acme, make_org, sign_in):
    """Is every page of an organisation a 404 for another organisation's admin?"""
    make_org("rival", owner="rival@example.com")
    rival = sign_in("rival@example.com")
    paths = [(m, p, d) for m, p, d in endpoints(app)] + [
        ("get", "/org/acme", {}),
        ("get", "/org/acme/members", {}),
        ("get", "/org/acme/rooms", {}),
        ("post", "/org/acme/leave", {}),
    ]
    for method, path, data in paths:
        response = rival.get(path) if method == "get" else post(rival, path, "/org/rival/members", **data)
        assert response.status_code == 404, (path, response.status_code)


def test_signed_out_visitors_are_sent_to_log_in(client, acme):
    """Does a signed-out visitor get the login page rather than the organisation?"""
    response = client.get("/org/acme/members")
    assert response.status_code == 302 and "/user/login" in response.headers["Location"]


def test_admin_cannot_touch_an_owner(app, acme, sign_in):
    """Can an admin remove the owner or make themselves owner?"""
    admin = sign_in("admin@example.com")
    owner_id = membership_id(app, "owner@example.com")
    assert post(admin, f"/org/acme/members/{owner_id}/remove", "/org/acme/members").status_code == 403
    admin_id = membership_id(app, "admin@example.com")
    assert post(admin, f"/org/acme/members/{admin_id}/role", "/org/acme/members", role="owner").status_code == 403
    assert roles(app)["owner@example.com"] == "owner"


# ---------------------------------------------------------------- leaving, removing, ownership
def test_removed_member_loses_access_at_once(app, acme, sign_in):
    """Does a removed member's very next request find nothing, in a session opened before?"""
    member = sign_in("member@example.com")
    assert member.get("/org/acme/rooms").status_code == 200
    owner = sign_in("owner@example.com")
    post(owner, f"/org/acme/members/{membership_id(app, 'member@example.com')}/remove", "/org/acme/members")
    assert member.get("/org/acme/rooms").status_code == 404


def test_last_owner_cannot_leave_until_ownership_is_handed_over(app, acme, sign_in):
    """Is the last owner kept from leaving, and free to go once someone else owns the organisation?"""
    owner = sign_in("owner@example.com")
    refused = post(owner, "/org/acme/leave", "/org/acme/members")
    assert refused.headers["Location"].endswith("/org/acme/members")
    assert roles(app)["owner@example.com"] == "owner"
    post(owner, f"/org/acme/members/{membership_id(app, 'admin@example.com')}/owner", "/org/acme/members")
    assert roles(app)["admin@example.com"] == "owner" and roles(app)["owner@example.com"] == "admin"
    post(owner, "/org/acme/leave", "/org/acme/members")
    assert "owner@example.com" not in roles(app)


def test_changes_are_in_the_audit_log(app, acme, sign_in):
    """Are invitations and role changes recorded with who did them, and shown to admins?"""
    owner = sign_in("owner@example.com")
    invite(owner, "newbie@example.com")
    post(owner, f"/org/acme/members/{membership_id(app, 'member@example.com')}/role", "/org/acme/members", role="admin")
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["invited", "role_changed"]
    page = sign_in("admin@example.com").get("/org/acme/audit").get_data(as_text=True)
    assert "invited newbie@example.com" in page and "member to admin" in page


def test_business_subscribers_only_create_organisations(app, client, alice):
    """Is /org/new for Business subscribers only?"""
    response = client.get("/org/new")
    assert response.status_code == 302 and "/user/billing" in response.headers["Location"]
    with app.app_context():
        db.session.execute(sa.text("UPDATE users SET plan='business'"))
        db.session.commit()
    page = client.get("/org/new").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/org/new", data={"csrf_token": token, "name": "Acme", "slug": "acme"})
    assert response.status_code == 302
    assert roles(app) == {"alice@example.com": "owner"}
    with app.app_context():
        assert db.session.scalar(sa.select(Membership.role)) == "owner"
