"""The organisation's settings pages: team rooms, seats, branding and usage (owners and admins)."""

from uuid import uuid4

from flask import abort, flash, redirect, render_template, request, url_for

from ..auth.forms import EmptyForm
from ..billing.stripe_api import BillingError
from ..extensions import db, limiter
from . import branding, seats, services, teamrooms, usage
from .access import org_page
from .forms import BrandForm, SeatsForm, TeamRoomForm
from .routes import bp, check_form, refused
from .services import NotAllowed, OrgError


def render_rooms(org, me, form=None, status=200):
    return render_template(
        "orgs/rooms.html",
        org=org,
        me=me,
        form=form or TeamRoomForm(),
        rooms=teamrooms.team_rooms(org),
        action_form=EmptyForm(),
    ), status


@bp.route("/<slug>/rooms", methods=["GET", "POST"])
@org_page()
@limiter.limit("30 per hour", methods=["POST"])
def rooms(org, me):
    if request.method == "GET":
        return render_rooms(org, me)
    if not me.manages:
        abort(403, "Only the organisation's owners and admins can create team rooms.")
    form = TeamRoomForm()
    if not form.validate_on_submit():
        return render_rooms(org, me, form, status=400)
    try:
        room = teamrooms.create_team_room(org, me, form.name.data, form.members_only.data)
    except OrgError as error:
        form.name.errors.append(str(error))
        return render_rooms(org, me, form, status=400)
    db.session.commit()
    flash(f"{room.name} is ready: {url_for('rooms.lobby', room_name=room.name, _external=True)}", "success")
    return redirect(url_for("orgs.rooms", slug=org.slug))


@bp.route("/<slug>/rooms/<int:room_id>/delete", methods=["POST"])
@org_page(manage=True)
def delete_room(org, me, room_id):
    check_form()
    try:
        teamrooms.delete_team_room(org, me, room_id)
    except OrgError as error:
        refused(error)
    else:
        db.session.commit()
        flash("Team room deleted. Anyone can claim its name now.", "success")
    return redirect(url_for("orgs.rooms", slug=org.slug))


@bp.route("/<slug>/billing", methods=["GET", "POST"])
@org_page(manage=True)
@limiter.limit("20 per hour", methods=["POST"])
def billing(org, me):
    form = SeatsForm(seats=org.seats)
    if form.validate_on_submit():
        try:
            seats.set_seats(org, me, form.seats.data, operation=request.form.get("operation", ""))
        except NotAllowed as error:
            abort(403, str(error))
        except (OrgError, BillingError) as error:
            db.session.rollback()
            form.seats.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{org.name} has {org.seats} seats now. Stripe prorates the change on your next invoice.", "success")
            return redirect(url_for("orgs.billing", slug=org.slug))
    return render_template(
        "orgs/billing.html", org=org, me=me, form=form, seats_taken=services.seats_taken(org), operation=uuid4().hex
    ), 400 if form.errors else 200


@bp.route("/<slug>/branding", methods=["GET", "POST"])
@org_page(manage=True)
@limiter.limit("20 per hour", methods=["POST"])
def branding_page(org, me):
    form = BrandForm(
        data={
            "accent_colour": org.accent_colour,
            "knock_message": org.knock_message,
            "usage_analytics": org.usage_analytics,
        }
    )
    if form.validate_on_submit():
        try:
            branding.update_brand(
                org,
                me,
                colour=form.accent_colour.data,
                message=form.knock_message.data,
                logo=form.logo.data.read() if form.logo.data else None,
                background=form.background.data.read() if form.background.data else None,
            )
            services.set_usage_analytics(org, me, form.usage_analytics.data)
        except OrgError as error:
            db.session.rollback()
            form.form_errors.append(str(error))
        else:
            db.session.commit()
            flash("Branding saved. It shows in your team rooms and invitations.", "success")
            return redirect(url_for("orgs.branding_page", slug=org.slug))
    return render_template("orgs/branding.html", org=org, me=me, form=form), 400 if form.errors else 200


@bp.route("/<slug>/branding/images/remove", methods=["POST"])
@org_page(manage=True)
def remove_brand_images(org, me):
    check_form()
    branding.remove_images(org, me)
    db.session.commit()
    flash("Logo and background removed.", "success")
    return redirect(url_for("orgs.branding_page", slug=org.slug))


@bp.route("/<slug>/usage")
@org_page(manage=True)
def usage_page(org, me):
    weeks = usage.weekly(org) if org.usage_analytics else []
    return render_template("orgs/usage.html", org=org, me=me, weeks=weeks)
