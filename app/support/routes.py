from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import limiter
from ..site.pages import page
from .forms import SupportTicketForm
from .help import ARTICLES
from .services import open_ticket_and_commit

bp = Blueprint("support", __name__, url_prefix="/support")


@bp.route("/", methods=["GET", "POST"])
@limiter.limit("5 per minute;30 per day", methods=["POST"])
def index():
    form = SupportTicketForm()
    if current_user.is_authenticated and not form.is_submitted() and current_user.email:
        form.email.data = current_user.email
    if form.validate_on_submit():
        user = current_user if current_user.is_authenticated else None
        ticket = open_ticket_and_commit(
            email=form.email.data, subject=form.subject.data, message=form.message.data, user=user
        )
        flash(f"Ticket #{ticket.id} is open. We answer by email, usually within one working day.", "success")
        return redirect(url_for("support.index"))
    status = 400 if form.errors else 200
    return render_template("support/index.html", page=page("support.index"), form=form, articles=ARTICLES), status
