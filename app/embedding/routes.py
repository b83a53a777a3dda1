"""``/user/developers/origins``: the sites that may show this account's rooms in a frame."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..extensions import db, limiter
from . import services
from .forms import OriginsForm

bp = Blueprint("embedding", __name__)


@bp.route("/user/developers/origins", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def origins():
    form = OriginsForm()
    if not form.is_submitted():
        form.origins.data = "\n".join(services.origins_of(current_user.id))
        return render_template("developers/origins.html", origins_form=form)
    if not form.validate():
        return render_template("developers/origins.html", origins_form=form), 400
    services.set_origins(current_user, form.parsed)
    db.session.commit()
    if form.parsed:
        flash(f"Your rooms can now be embedded by {', '.join(form.parsed)} (and by no other site).", "success")
    else:
        flash("No site can embed your rooms now.", "success")
    return redirect(url_for("developers.index"))
