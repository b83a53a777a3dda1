from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from ..account.consents import record_consent
from ..extensions import db
from . import limits
from .codes import SIGN_IN, CodeError, DeliveryFailed, TooManyCodes, check_code_and_commit
from .forms import CodeForm, EmptyForm, LoginForm, SignupForm
from .identifiers import Identifier
from .services import complete_sign_in, send_sign_in_code_and_commit, send_welcome
from .sessions import AccountDisabled, persist_last_seen, sign_in, sign_out

bp = Blueprint("auth", __name__, url_prefix="/user")
bp.after_app_request(persist_last_seen)

DELIVERY_FAILED = "We could not send a code just now. Please try again in a minute."


def safe_next(target, default="rooms.index"):
    """Only our own paths: no scheme, no host, no protocol-relative or backslash tricks."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")) and "\\" not in target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for(default)


def start_code_flow(form, signup):
    """On a valid POST, send a code and remember it: return (redirect to the code page, None), or
    (None, status) to show the form again, with its errors or a flash saying why."""
    if not form.validate_on_submit():
        return None, 400 if form.errors else 200
    identifier = form.identifier.identifier
    try:
        record = send_sign_in_code_and_commit(identifier)
    except TooManyCodes as error:
        form.identifier.errors.append(str(error))
        return None, 429
    except DeliveryFailed:
        flash(DELIVERY_FAILED, "error")
        return None, 200
    session["pending_code"] = {
        "id": record.id,
        "kind": identifier.kind,
        "identifier": identifier.value,
        "remember": bool(form.remember.data),
        "next": form.next.data or "",
        "display_name": form.display_name.data if signup else None,
        "newsletter": bool(form.newsletter.data) if signup else False,
    }
    return redirect(url_for("auth.verify")), None


@bp.route("/signup", methods=["GET", "POST"])
@limits.request_ip_limit
@limits.request_identifier_limit(limits.submitted_identifier)
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("rooms.index"))
    form = SignupForm(next=request.args.get("next", ""))
    response, status = start_code_flow(form, signup=True)
    return response or (render_template("auth/signup.html", form=form), status)


@bp.route("/login", methods=["GET", "POST"])
@limits.request_ip_limit
@limits.request_identifier_limit(limits.submitted_identifier)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    response, status = start_code_flow(form, signup=False)
    google_enabled = bool(current_app.config["OIDC_CLIENT_ID"])
    return response or (render_template("auth/login.html", form=form, google_enabled=google_enabled), status)


@bp.route("/verify", methods=["GET", "POST"])
@limits.check_ip_limit
@limits.check_identifier_limit(limits.pending_identifier)
def verify():
    pending = session.get("pending_code")
    if not pending:
        flash("Start by entering your email address or phone number.", "info")
        return redirect(url_for("auth.login"))
    identifier = Identifier(pending["kind"], pending["identifier"])
    form = CodeForm()
    if form.validate_on_submit():
        try:
            check_code_and_commit(pending["id"], form.code.data, SIGN_IN)
        except CodeError as error:
            form.code.errors.append(str(error))
        else:
            user, created = complete_sign_in(identifier, pending.get("display_name"))
            if created and pending.get("newsletter"):
                record_consent(user, "newsletter", True, source="signup_form")
            try:
                sign_in(user, remember=pending.get("remember", False))
            except AccountDisabled as error:
                db.session.rollback()
                session.pop("pending_code", None)
                flash(str(error), "error")
                return redirect(url_for("auth.login"))
            db.session.commit()
            if created:
                send_welcome(user)
                flash("Welcome to Parlor! Your account is ready.", "success")
            return redirect(safe_next(pending.get("next")))
    return render_template(
        "auth/verify.html", form=form, identifier=identifier, resend_form=EmptyForm()
    ), 400 if form.errors else 200


@bp.route("/verify/resend", methods=["POST"])
@limits.request_ip_limit
@limits.request_identifier_limit(limits.pending_identifier)
def resend():
    pending = session.get("pending_code")
    form = EmptyForm()
    if not pending or not form.validate_on_submit():
        return redirect(url_for("auth.login"))
    identifier = Identifier(pending["kind"], pending["identifier"])
    try:
        record = send_sign_in_code_and_commit(identifier)
    except TooManyCodes as error:
        flash(str(error), "error")
    except DeliveryFailed:
        flash(DELIVERY_FAILED, "error")
    else:
        pending["id"] = record.id
        session["pending_code"] = pending
        flash("We sent you a new code. Earlier codes no longer work.", "success")
    return redirect(url_for("auth.verify"))


@bp.route("/logout", methods=["GET", "POST"])
def logout():
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        if current_user.is_authenticated:
            sign_out(current_user._get_current_object())
            db.session.commit()
        flash("You are signed out.", "success")
        return redirect(url_for("site.home"))
    if not current_user.is_authenticated:
        return redirect(url_for("site.home"))
    return render_template("auth/logout.html", form=form)
