import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from ..auth import limits
from ..auth.codes import CodeErrors, DeliveryFailed, TooManyCodes
from ..auth.forms import EmptyForm
from ..auth.identifiers import Identifier
from ..auth.models import AccountEvent, User
from ..auth.sessions import active_sessions, current_session_hash, end_other_sessions
from ..extensions import db, limiter
from .avatars import InvalidPicture
from .forms import AvatarForm, ContactCodesForm, ContactForm, DisplayNameForm
from .services import (
    ContactInUse,
    finish_contact_change,
    notify_old_contact,
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
        "account/profile.html",
        events=events,
        sessions=active_sessions(user),
        this_session=current_session_hash(user),
        remove_form=EmptyForm(),
        pending=session.get("pending_contact"),
        **forms,
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
@limits.request_ip_limit
@limiter.limit(limits.CONTACT_REQUEST_PER_ACCOUNT, key_func=limits.account)
@limits.request_identifier_limit(limits.submitted_identifier)
def change_contact():
    form = ContactForm()
    if not form.validate_on_submit():
        return render_profile(400, contact_form=form)
    identifier = form.identifier.identifier
    if identifier.value in (current_user.email, current_user.phone):
        form.identifier.errors.append("That is already on your account.")
        return render_profile(400, contact_form=form)
    try:
        session["pending_contact"] = start_contact_change(current_user, identifier)
    except TooManyCodes as error:
        form.identifier.errors.append(str(error))
        return render_profile(429, contact_form=form)
    except DeliveryFailed:
        flash("We could not send a code just now. Please try again in a minute.", "error")
        return redirect(url_for("account.profile"))
    return redirect(url_for("account.verify_contact"))


@bp.route("/profile/contact/verify", methods=["GET", "POST"])
@login_required
@limits.check_ip_limit
@limiter.limit(limits.CONTACT_CHECK_PER_ACCOUNT, key_func=limits.account, methods=["POST"])
@limits.check_identifier_limit(limits.pending_contact_identifier)
def verify_contact():
    pending = session.get("pending_contact")
    if not pending or "old_id" not in pending:
        session.pop("pending_contact", None)  # from before both addresses were asked
        return redirect(url_for("account.profile"))
    form = ContactCodesForm()
    identifier = Identifier(pending["kind"], pending["identifier"])
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            old = finish_contact_change(user, pending, form.code.data, form.old_code.data)
        except CodeErrors as error:
            for name, message in error.errors.items():
                form[name].errors.append(message)
        except ContactInUse:
            db.session.rollback()
            session.pop("pending_contact", None)
            flash("That address belongs to another Parlor account, so it cannot be added to this one.", "error")
            return redirect(url_for("account.profile"))
        else:
            db.session.commit()
            session.pop("pending_contact", None)
            notify_old_contact(user, old or user.contact, identifier)
            flash(
                "Your contact details are updated. We told your previous address too, "
                "and signed out every other browser signed in to your account.",
                "success",
            )
            return redirect(url_for("account.profile"))
    return render_template(
        "account/verify_contact.html", form=form, identifier=identifier, old_masked=pending["old_masked"]
    ), (400 if form.errors else 200)


@bp.route("/profile/contact/cancel", methods=["POST"])
@login_required
def cancel_contact_change():
    if EmptyForm().validate_on_submit():
        session.pop("pending_contact", None)
    return redirect(url_for("account.profile"))


@bp.route("/profile/sessions/end-others", methods=["POST"])
@login_required
def sign_out_elsewhere():
    if not EmptyForm().validate_on_submit():
        abort(400)
    ended = end_other_sessions(current_user._get_current_object())
    db.session.commit()
    plural = "browser" if ended == 1 else "browsers"
    flash(f"Signed out everywhere else ({ended} {plural}). This browser stays signed in.", "success")
    return redirect(url_for("account.profile"))
