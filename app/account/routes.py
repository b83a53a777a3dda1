import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from ..auth.codes import CodeError
from ..auth.forms import CodeForm, EmptyForm
from ..auth.identifiers import Identifier
from ..auth.models import AccountEvent, User
from ..auth.services import DeliveryFailed
from ..extensions import db, limiter
from .avatars import InvalidPicture
from .forms import AvatarForm, ContactForm, DisplayNameForm
from .services import (
    ContactInUse,
    finish_contact_change,
    remove_avatar,
    set_avatar,
    set_display_name,
    start_contact_change,
)

bp = Blueprint("account", __name__, url_prefix="/user")

RECENT_EVENTS = 20


def render_profile(status=200, **forms):
    user = current_user
    forms.setdefault("name_form", DisplayNameForm(display_name=user.display_name))
    forms.setdefault("avatar_form", AvatarForm())
    forms.setdefault("contact_form", ContactForm())
    events = db.session.scalars(
        sa.select(AccountEvent)
        .where(AccountEvent.user_id == user.id)
        .order_by(AccountEvent.created_at.desc(), AccountEvent.id.desc())
        .limit(RECENT_EVENTS)
    ).all()
    return render_template(
        "account/profile.html", events=events, remove_form=EmptyForm(), pending=session.get("pending_contact"), **forms
    ), status


@bp.route("/profile")
@login_required
def profile():
    return render_profile()


@bp.route("/profile/name", methods=["POST"])
@login_required
def update_name():
    form = DisplayNameForm()
    if not form.validate_on_submit():
        return render_profile(400, name_form=form)
    set_display_name(current_user, form.display_name.data)
    db.session.commit()
    flash("Your display name is saved.", "success")
    return redirect(url_for("account.profile"))


@bp.route("/profile/picture", methods=["POST"])
@login_required
@limiter.limit("10 per hour")
def upload_picture():
    form = AvatarForm()
    if not form.validate_on_submit():
        return render_profile(400, avatar_form=form)
    try:
        set_avatar(current_user, form.picture.data.read())
    except InvalidPicture as error:
        db.session.rollback()
        form.picture.errors.append(str(error))
        return render_profile(400, avatar_form=form)
    db.session.commit()
    flash("Your new picture is saved.", "success")
    return redirect(url_for("account.profile"))


@bp.route("/profile/picture/remove", methods=["POST"])
@login_required
def delete_picture():
    if not EmptyForm().validate_on_submit():
        abort(400)
    remove_avatar(current_user)
    db.session.commit()
    flash("Your picture is removed.", "success")
    return redirect(url_for("account.profile"))


@bp.route("/avatars/<key>.webp")
def avatar(key):
    user = db.session.scalar(sa.select(User).where(User.avatar_key == key)) if len(key) <= 32 else None
    if user is None or user.avatar_image is None:
        abort(404)
    response = Response(user.avatar_image, mimetype="image/webp")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


@bp.route("/profile/contact", methods=["POST"])
@login_required
@limiter.limit("5 per 10 minutes")
def change_contact():
    form = ContactForm()
    if not form.validate_on_submit():
        return render_profile(400, contact_form=form)
    identifier = form.identifier.identifier
    if identifier.value in (current_user.email, current_user.phone):
        form.identifier.errors.append("That is already on your account.")
        return render_profile(400, contact_form=form)
    try:
        record = start_contact_change(current_user, identifier)
    except DeliveryFailed:
        flash("We could not send a code just now. Please try again in a minute.", "error")
        return redirect(url_for("account.profile"))
    session["pending_contact"] = {"id": record.id, "kind": identifier.kind, "identifier": identifier.value}
    return redirect(url_for("account.verify_contact"))


@bp.route("/profile/contact/verify", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per 10 minutes", methods=["POST"])
def verify_contact():
    pending = session.get("pending_contact")
    if not pending:
        return redirect(url_for("account.profile"))
    form = CodeForm()
    identifier = Identifier(pending["kind"], pending["identifier"])
    if form.validate_on_submit():
        try:
            finish_contact_change(current_user, pending, form.code.data)
        except CodeError as error:
            form.code.errors.append(str(error))
        except ContactInUse:
            db.session.rollback()
            session.pop("pending_contact", None)
            flash("That address belongs to another Parlor account, so it cannot be added to this one.", "error")
            return redirect(url_for("account.profile"))
        else:
            db.session.commit()
            session.pop("pending_contact", None)
            flash("Your contact details are updated. We told your previous address too.", "success")
            return redirect(url_for("account.profile"))
    return render_template("account/verify_contact.html", form=form, identifier=identifier), (
        400 if form.errors else 200
    )


@bp.route("/profile/contact/cancel", methods=["POST"])
@login_required
def cancel_contact_change():
    if EmptyForm().validate_on_submit():
        session.pop("pending_contact", None)
    return redirect(url_for("account.profile"))
