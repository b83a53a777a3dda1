"""``/user/developers``: a page of sections (API keys here; allowed origins and webhooks join it).

Each section is a template in ``templates/developers/`` with its own forms; ``render_page`` gives
every section what it needs, so one section's failed form re-renders the page with the others intact.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..api import keys
from ..auth.forms import EmptyForm
from ..extensions import db, limiter
from ..plans import get_plan
from .forms import NewKeyForm

bp = Blueprint("developers", __name__, url_prefix="/user/developers")


def render_page(status=200, new_key=None, key_form=None):
    return render_template(
        "developers/index.html",
        plan=get_plan(current_user.plan),
        has_api=keys.has_api(current_user),
        api_keys=keys.keys_of(current_user),
        key_form=key_form or NewKeyForm(formdata=None),
        new_key=new_key,
        action_form=EmptyForm(),
    ), status


@bp.route("")
@login_required
def index():
    return render_page()


@bp.route("/keys", methods=["POST"])
@login_required
@limiter.limit("20 per hour")
def create_key():
    form = NewKeyForm()
    if not form.validate_on_submit():
        return render_page(400, key_form=form)
    try:
        record, key = keys.create_key(current_user, form.name.data)
    except keys.KeyRefused as error:
        db.session.rollback()
        form.name.errors.append(str(error))
        return render_page(400, key_form=form)
    db.session.commit()
    # Shown in this response only, never kept in the session (its cookie is signed, not secret).
    return render_page(201, new_key={"record": record, "key": key})[0], 201, {"Cache-Control": "no-store"}


@bp.route("/keys/<int:key_id>/revoke", methods=["POST"])
@login_required
def revoke_key(key_id):
    if not EmptyForm().validate_on_submit():
        abort(400)
    record = keys.owned_key(current_user, key_id)
    if record is None:
        abort(404)
    name = record.name
    keys.revoke_key(record)
    db.session.commit()
    flash(f"The key {name!r} is revoked. Requests that send it are refused from now on.", "success")
    return redirect(url_for("developers.index"))
