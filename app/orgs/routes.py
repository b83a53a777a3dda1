from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..auth.forms import EmptyForm
from ..extensions import db, limiter
from ..mail import MailError, external_url, send_email
from ..plans import get_plan
from . import audit, seats, services
from .access import org_page
from .forms import CreateOrgForm, InviteForm
from .models import ROLES
from .services import InvitationInvalid, NotAllowed, OrgError

bp = Blueprint("orgs", __name__, url_prefix="/org")


def send_invitation(org, invitation, token):
    """Mail the link; False when the mail server refused it (the invitation stays, to resend)."""
    try:
        send_email(
            invitation.email,
            f"{current_user.display_label} invites you to {org.name} on Parlor",
            "org_invitation",
            org=org,
            inviter=current_user.display_label,
            link=external_url("orgs.accept", token=token),
            days=services.INVITATION_DAYS,
        )
    except MailError:
        flash("We could not send the email just now. Use Resend in a minute.", "error")
        return False
    return True


def check_form():
    if not EmptyForm().validate_on_submit():
        abort(400)


def refused(error):
    """A domain error as a response: 403 for role refusals, else a flash and back to the page."""
    if isinstance(error, NotAllowed):
        abort(403, str(error))
    flash(str(error), "error")


@bp.route("/new", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", methods=["POST"])
def create():
    if current_user.plan != "business":
        flash(f"Organisations come with the {get_plan('business').name} plan.", "info")
        return redirect(url_for("billing.index"))
    form = CreateOrgForm()
    if form.validate_on_submit():
        try:
            paid_seats = seats.subscription_seats(current_user)
            org = services.create_org(current_user, form.name.data, form.slug.data, seats=paid_seats)
        except OrgError as error:
            form.slug.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{org.name} is ready. Invite your people.", "success")
            return redirect(url_for("orgs.members", slug=org.slug))
    return render_template("orgs/new.html", form=form), 400 if form.errors else 200


@bp.route("/<slug>")
@org_page()
def home(org, me):
    return redirect(url_for("orgs.members", slug=org.slug))


def render_members(org, me, form=None, status=200):
    return render_template(
        "orgs/members.html",
        org=org,
        me=me,
        form=form or InviteForm(),
        action_form=EmptyForm(),
        invitations=services.pending_invitations(org),
        seats_taken=services.seats_taken(org),
        roles=ROLES,
    ), status


@bp.route("/<slug>/members", methods=["GET", "POST"])
@org_page()
@limiter.limit("30 per hour", methods=["POST"])
def members(org, me):
    if request.method == "GET":
        return render_members(org, me)
    if not me.manages:
        abort(403, "Only the organisation's owners and admins can invite.")
    form = InviteForm()
    if not form.validate_on_submit():
        return render_members(org, me, form, status=400)
    try:
        invitation, token = services.invite(org, me, form.email.data, form.role.data)
    except OrgError as error:
        if isinstance(error, NotAllowed):
            abort(403, str(error))
        form.email.errors.append(str(error))
        return render_members(org, me, form, status=400)
    db.session.commit()
    if send_invitation(org, invitation, token):
        flash(f"Invitation sent to {invitation.email}.", "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/<slug>/invitations/<int:invitation_id>/resend", methods=["POST"])
@org_page(manage=True)
@limiter.limit("20 per hour")
def resend(org, me, invitation_id):
    check_form()
    try:
        invitation, token = services.resend(org, me, invitation_id)
    except OrgError as error:
        refused(error)
    else:
        db.session.commit()
        if send_invitation(org, invitation, token):
            flash(f"Sent again to {invitation.email}. The earlier link no longer works.", "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/<slug>/invitations/<int:invitation_id>/revoke", methods=["POST"])
@org_page(manage=True)
def revoke(org, me, invitation_id):
    check_form()
    try:
        services.revoke(org, me, invitation_id)
    except OrgError as error:
        refused(error)
    else:
        db.session.commit()
        flash("Invitation withdrawn; its link no longer works and its seat is free.", "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/<slug>/members/<int:membership_id>/remove", methods=["POST"])
@org_page(manage=True)
def remove(org, me, membership_id):
    check_form()
    try:
        user = services.remove(org, me, membership_id)
    except OrgError as error:
        refused(error)
    else:
        db.session.commit()
        flash(f"{user.display_label} is no longer a member; their seat is free.", "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/<slug>/leave", methods=["POST"])
@org_page()
def leave(org, me):
    check_form()
    try:
        services.remove(org, me, me.id)
    except OrgError as error:
        refused(error)
        return redirect(url_for("orgs.members", slug=org.slug))
    db.session.commit()
    flash(f"You left {org.name}. Your own rooms are still yours.", "success")
    return redirect(url_for("rooms.index"))


@bp.route("/<slug>/members/<int:membership_id>/role", methods=["POST"])
@org_page(manage=True)
def change_role(org, me, membership_id):
    check_form()
    try:
        services.change_role(org, me, membership_id, request.form.get("role", ""))
    except OrgError as error:
        refused(error)
    else:
        db.session.commit()
        flash("Role changed.", "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/<slug>/members/<int:membership_id>/owner", methods=["POST"])
@org_page(manage=True)
def transfer(org, me, membership_id):
    check_form()
    try:
        services.transfer_ownership(org, me, membership_id)
    except OrgError as error:
        refused(error)
    else:
        db.session.commit()
        flash("Ownership handed over. You are an admin now.", "success")
    return redirect(url_for("orgs.members", slug=org.slug))


@bp.route("/<slug>/audit")
@org_page(manage=True)
def audit_log(org, me):
    entries = audit.entries(org)
    return render_template("orgs/audit.html", org=org, me=me, entries=[(e, audit.describe(e)) for e in entries])


@bp.route("/invitations/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", methods=["POST"])
def accept(token):
    try:
        invitation = services.read_invitation(token)
    except InvitationInvalid as error:
        return render_template("orgs/invitation.html", error=str(error), invitation=None), 404
    if request.method == "POST" and current_user.is_authenticated:
        check_form()
        try:
            org = services.accept(token, current_user)
        except OrgError as error:
            return render_template("orgs/invitation.html", error=str(error), invitation=invitation), 403
        db.session.commit()
        flash(f"Welcome to {org.name}.", "success")
        return redirect(url_for("orgs.members", slug=org.slug))
    return render_template("orgs/invitation.html", invitation=invitation, error=None, form=EmptyForm())
