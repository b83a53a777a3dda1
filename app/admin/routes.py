"""The console's people pages: overview, accounts and rooms (operations pages: ``operations.py``)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..auth.models import User
from ..extensions import db
from ..privacy.erasure import confirm_erasure
from ..privacy.registry import ErasureRefused
from ..rooms.models import Room
from ..rooms.services import meeting_mode
from . import audit, operations, services  # noqa: F401  (operations registers its pages on bp)
from .forms import EmptyForm, EraseForm
from .guard import bp

__all__ = ["bp"]


def staff():
    return current_user._get_current_object()


def get_or_404(model, key):
    record = db.session.get(model, key)
    if record is None:
        abort(404)
    return record


def check_csrf():
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/")
def index():
    return render_template(
        "admin/index.html",
        meetings=services.meetings_now(),
        open_tickets=len(services.tickets("open")),
        actions=audit.recent(10),
    )


@bp.route("/users")
def users():
    query = request.args.get("q", "")[:254]
    found = services.search_users(query)
    return render_template("admin/users.html", users=found, sessions=services.session_counts(found), query=query)


@bp.route("/users/<int:user_id>")
def user(user_id):
    account = get_or_404(User, user_id)
    return render_template(
        "admin/user.html",
        account=account,
        sessions=services.session_counts([account]).get(account.id, 0),
        rooms=account.rooms,
        form=EmptyForm(),
        erase_form=EraseForm(),
    )


@bp.route("/users/<int:user_id>/disable", methods=["POST"])
def disable_user(user_id):
    check_csrf()
    account = get_or_404(User, user_id)
    try:
        ended = services.disable_user(staff(), account)
    except services.StaffActionRefused as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(f"Account #{account.id} is disabled; {ended} sessions ended.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/enable", methods=["POST"])
def enable_user(user_id):
    check_csrf()
    account = get_or_404(User, user_id)
    services.enable_user(staff(), account)
    db.session.commit()
    flash(f"Account #{account.id} can sign in again.", "success")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/erase", methods=["POST"])
def erase_user(user_id):
    account = get_or_404(User, user_id)
    form = EraseForm()
    if form.validate_on_submit():
        try:
            address = services.erase_user_and_commit(staff(), account, form.contact.data)
        except services.StaffActionRefused as error:
            form.contact.errors.append(str(error))
        except ErasureRefused as error:
            db.session.rollback()
            flash(str(error) or "Erasure cannot happen yet; nothing was deleted.", "error")
            return redirect(url_for("admin.user", user_id=user_id))
        else:
            confirm_erasure(address)
            flash(f"Account #{user_id} and its data are erased; its owner was told.", "success")
            return redirect(url_for("admin.users"))
    return render_template(
        "admin/user.html",
        account=account,
        sessions=services.session_counts([account]).get(account.id, 0),
        rooms=account.rooms,
        form=EmptyForm(),
        erase_form=form,
    ), 400


@bp.route("/rooms")
def rooms():
    query = request.args.get("q", "")[:40]
    return render_template(
        "admin/rooms.html", rooms=services.search_rooms(query), query=query, form=EmptyForm(), mode_of=meeting_mode
    )


@bp.route("/rooms/<int:room_id>/lock", methods=["POST"])
def lock_room(room_id):
    check_csrf()
    room = get_or_404(Room, room_id)
    locked = request.form.get("locked") == "1"
    services.set_room_locked(staff(), room, locked)
    db.session.commit()
    flash(f"Room {room.name} is {'locked' if locked else 'unlocked'}.", "success")
    return redirect(url_for("admin.rooms", q=request.args.get("q", "")))


@bp.route("/rooms/<int:room_id>/delete", methods=["POST"])
def delete_room(room_id):
    check_csrf()
    room = get_or_404(Room, room_id)
    name = room.name
    services.delete_room(staff(), room)
    db.session.commit()
    flash(f"Room {name} is deleted.", "success")
    return redirect(url_for("admin.rooms"))
