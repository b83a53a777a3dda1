"""``/user/developers/webhooks``: an account's endpoints, their secrets (once) and delivery log."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..auth.forms import EmptyForm
from ..extensions import db, limiter
from . import services
from .forms import EndpointForm
from .services import WebhookError

bp = Blueprint("webhooks", __name__, url_prefix="/user/developers/webhooks")


def render_index(form=None, secret=None, status=200):
    endpoints = services.endpoints_of(current_user)
    return render_template(
        "developers/webhooks.html",
        endpoints=endpoints,
        form=form or EndpointForm(),
        action_form=EmptyForm(),
        secret=secret,
    ), status


@bp.route("", methods=["GET", "POST"])
@login_required
@limiter.limit("20 per minute", methods=["POST"])
def index():
    form = EndpointForm()
    if not form.is_submitted():
        return render_index(form)
    if not form.validate():
        return render_index(form, status=400)
    try:
        endpoint = services.add_endpoint(current_user, form.url.data, form.events.data)
    except WebhookError as error:
        form.url.errors.append(str(error))
        return render_index(form, status=400)
    db.session.commit()
    # Shown on this response only: the page after a reload no longer has it.
    return render_index(EndpointForm(formdata=None), secret=(endpoint, endpoint.secret), status=201)


def own_endpoint_or_404(endpoint_id):
    endpoint = services.endpoint_of(current_user, endpoint_id)
    if endpoint is None:
        abort(404)
    return endpoint


@bp.route("/<int:endpoint_id>")
@login_required
def deliveries(endpoint_id):
    endpoint = own_endpoint_or_404(endpoint_id)
    return render_template(
        "developers/webhook_deliveries.html", endpoint=endpoint, deliveries=services.recent_deliveries(endpoint)
    )


@bp.route("/<int:endpoint_id>/delete", methods=["POST"])
@login_required
def delete(endpoint_id):
    endpoint = own_endpoint_or_404(endpoint_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    url = endpoint.url
    services.delete_endpoint(endpoint)
    db.session.commit()
    flash(f"Deleted the endpoint {url}; its pending deliveries are dropped.", "success")
    return redirect(url_for("webhooks.index"))
