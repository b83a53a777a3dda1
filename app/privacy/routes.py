import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, logout_user

from ..account.consents import (
    ANALYTICS,
    CONSENT_COOKIE,
    COOKIE_MAX_AGE,
    NECESSARY_ONLY,
    PURPOSES,
    ConsentEvent,
    consent_state,
    record_consent,
)
from ..auth.codes import (
    DELETE_ACCOUNT,
    CodeError,
    DeliveryFailed,
    TooManyCodes,
    check_code_and_commit,
    send_code_and_commit,
)
from ..auth.forms import CodeForm, EmptyForm
from ..auth.identifiers import EMAIL, PHONE, Identifier
from ..auth.routes import safe_next
from ..extensions import csrf, db, limiter
from ..netkeys import client_network
from ..timeutil import utcnow
from ..usage import techlog
from . import inventory, notices
from .erasure import confirm_erasure, erase_account_and_commit
from .export import build_export
from .mailings import InvalidUnsubscribeLink, read_unsubscribe_token
from .mailings import unsubscribe as withdraw_by_link
from .registry import ErasureRefused, erasure_blockers

bp = Blueprint("privacy", __name__, url_prefix="/user/privacy")


def user_key():
    return f"user:{current_user.id}" if current_user.is_authenticated else client_network()


@bp.route("/")
@login_required
def index():
    return render_template("privacy/dashboard.html", categories=inventory.summary(current_user))


@bp.route("/consents", methods=["GET", "POST"])
@login_required
def consents():
    if request.method == "POST":
        purpose = request.form.get("purpose")
        if not EmptyForm().validate_on_submit() or purpose not in PURPOSES:
            abort(400)
        granted = request.form.get("granted") == "1"
        record_consent(current_user, purpose, granted, source="settings_page")
        db.session.commit()
        label = PURPOSES[purpose][0]
        flash(f"{label}: {'you agreed' if granted else 'you withdrew your consent'}. Saved.", "success")
        return redirect(url_for("privacy.consents"))
    history = db.session.scalars(
        sa.select(ConsentEvent).where(ConsentEvent.user_id == current_user.id).order_by(ConsentEvent.id.desc())
    ).all()
    return render_template(
        "privacy/consents.html",
        purposes=PURPOSES,
        state=consent_state(current_user),
        history=history,
        form=EmptyForm(),
    )


@bp.route("/export", methods=["GET", "POST"])
@login_required
@limiter.limit("3 per day", key_func=user_key, methods=["POST"])
def export():
    if request.method == "GET":
        return render_template("privacy/export.html", form=EmptyForm())
    if not EmptyForm().validate_on_submit():
        abort(400)
    archive = build_export(current_user)
    filename = f"parlor-data-{current_user.id}-{utcnow():%Y%m%d}.zip"
    return Response(
        archive,
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


@bp.route("/delete", methods=["GET", "POST"])
@login_required
@limiter.limit("5 per hour", key_func=user_key, methods=["POST"])
def delete():
    """Step one: explain, then send a fresh code to the account's own address."""
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        identifier = (
            Identifier(EMAIL, current_user.email) if current_user.email else Identifier(PHONE, current_user.phone)
        )
        text = "confirm that your account should be deleted"
        try:
            record = send_code_and_commit(identifier, DELETE_ACCOUNT, text, user=current_user)
        except DeliveryFailed:
            flash("We could not send the code just now. Please try again in a minute.", "error")
            return redirect(url_for("privacy.delete"))
        except TooManyCodes as error:
            flash(str(error), "error")
            return redirect(url_for("privacy.delete"))
        session["pending_deletion"] = {"id": record.id, "masked": identifier.masked}
        return redirect(url_for("privacy.confirm_delete"))
    return render_template(
        "privacy/delete.html",
        form=form,
        categories=inventory.summary(current_user),
        blockers=erasure_blockers(current_user),
    )


@bp.route("/delete/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit("10 per hour", key_func=user_key, methods=["POST"])
def confirm_delete():
    pending = session.get("pending_deletion")
    if not pending:
        return redirect(url_for("privacy.delete"))
    form = CodeForm()
    if form.validate_on_submit():
        try:
            check_code_and_commit(pending["id"], form.code.data, DELETE_ACCOUNT, user=current_user)
        except CodeError as error:
            form.code.errors.append(str(error))
        else:
            user = current_user._get_current_object()
            techlog.forget_this_request()
            try:
                address = erase_account_and_commit(user)
            except ErasureRefused as error:
                db.session.rollback()
                flash(f"Your account was not deleted: {error}", "error")
                return redirect(url_for("privacy.delete"))
            logout_user()
            session.clear()
            confirm_erasure(address)
            return redirect(url_for("privacy.deleted"))
    return render_template("privacy/delete_confirm.html", form=form, masked=pending["masked"]), (
        400 if form.errors else 200
    )


@bp.route("/deleted")
def deleted():
    techlog.forget_this_request()  # the last page of an erasure, still from the erased person's address
    return render_template("privacy/deleted.html")


@bp.route("/cookies", methods=["GET", "POST"])
def cookies():
    """The cookie banner's choice, remembered in a cookie and, when signed in, logged as a consent."""
    if request.method == "GET":
        return render_template("privacy/cookies.html", form=EmptyForm(), next=request.args.get("next", ""))
    if not EmptyForm().validate_on_submit():
        abort(400)
    choice = ANALYTICS if request.form.get("choice") == "accept" else NECESSARY_ONLY
    if current_user.is_authenticated:
        record_consent(current_user, ANALYTICS, choice == ANALYTICS, source="cookie_banner")
        db.session.commit()
    response = redirect(safe_next(request.form.get("next"), default="site.home"))
    response.set_cookie(
        CONSENT_COOKIE,
        choice,
        max_age=COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config["SESSION_COOKIE_SECURE"],
    )
    flash(
        "Thanks, your cookie choice is saved."
        + (" Analytics are on." if choice == ANALYTICS else " Only strictly necessary cookies are used."),
        "success",
    )
    return response


@bp.route("/acknowledge", methods=["POST"])
@login_required
def acknowledge():
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        number = int(request.form.get("version", ""))
    except ValueError:
        abort(400)
    if not notices.acknowledge(current_user, request.form.get("document", ""), number):
        abort(400)
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), default="site.home"))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click unsubscribe comes from mail clients; the signed token is the proof
@limiter.limit("30 per hour")
def unsubscribe(token):
    try:
        user, purpose = read_unsubscribe_token(token)
    except InvalidUnsubscribeLink:
        return render_template("privacy/unsubscribe.html", invalid=True), 400
    done = False
    if request.method == "POST":
        withdraw_by_link(user, purpose)
        db.session.commit()
        done = True
    return render_template("privacy/unsubscribe.html", invalid=False, done=done, purpose=PURPOSES[purpose][0])
