"""Who may open the console: staff, from a device they confirmed with a second code.

Everyone else gets the same 404 as for a page that does not exist, so the console does not
announce itself. That is why the app-wide CSRF check (which runs before any blueprint's guard
and would answer 400 to a tokenless POST, telling the route exists) is replaced here by the same
check run after the staff check. Staff on an unconfirmed browser are sent to the device page first.
"""

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..auth.codes import CodeError, DeliveryFailed, TooManyCodes
from ..auth.routes import safe_next
from ..extensions import csrf, db, limiter
from . import audit, devices
from .forms import DeviceCodeForm, EmptyForm

bp = Blueprint("admin", __name__, url_prefix="/admin")
csrf.exempt(bp)  # checked in staff_only, after the staff check

# The pages a staff member may see before confirming the device.
DEVICE_PAGES = {"admin.device", "admin.send_device_code"}
PENDING = "staff_device_code"


@bp.before_request
def staff_only():
    if not current_user.is_authenticated or not current_user.is_staff:
        abort(404)
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()
    if request.endpoint not in DEVICE_PAGES and devices.trusted_device(current_user) is None:
        return redirect(url_for("admin.device", next=request.full_path if request.method == "GET" else None))
    return None


@bp.after_request
def never_cached(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/device", methods=["GET", "POST"])
@limiter.limit("10 per 10 minutes", methods=["POST"])
def device():
    """The second code: ask for one, then enter it."""
    user = current_user._get_current_object()
    form = DeviceCodeForm()
    pending = session.get(PENDING)
    if pending is not None and form.validate_on_submit():
        try:
            _, token = devices.confirm_device(user, pending, form.code.data)
        except CodeError as error:
            form.code.errors.append(str(error))
        else:
            audit.record(user, "device_confirmed", "user", user.id)
            db.session.commit()
            session.pop(PENDING, None)
            flash("This device is confirmed for the staff console.", "success")
            response = make_response(redirect(safe_next(request.args.get("next"), default="admin.index")))
            devices.set_cookie(response, token)
            return response
    return render_template(
        "admin/device.html",
        form=form,
        send_form=EmptyForm(),
        pending=pending is not None,
        destination=devices.code_destination(user).masked,
    ), 400 if form.errors else 200


@bp.route("/device/send", methods=["POST"])
@limiter.limit("5 per 10 minutes")
def send_device_code():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        record = devices.send_device_code_and_commit(current_user._get_current_object())
    except TooManyCodes as error:
        flash(str(error), "error")
    except DeliveryFailed:
        flash("We could not send the code just now. Try again in a minute.", "error")
    else:
        session[PENDING] = record.id
        flash("We sent you a second code.", "success")
    return redirect(url_for("admin.device", next=request.args.get("next")))
