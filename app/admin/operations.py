"""The console's operations pages: meetings now, nodes, support, sales, retention and the audit log."""

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from ..extensions import db
from ..mail import MailError
from ..nodes import services as node_services
from ..nodes.models import SfuNode
from ..site.models import ContactRequest
from ..support.models import SupportTicket
from . import audit, services
from .forms import EmptyForm, ReplyForm
from .guard import bp


def _get(model, key):
    record = db.session.get(model, key)
    if record is None:
        abort(404)
    return record


def _csrf():
    if not EmptyForm().validate_on_submit():
        abort(400)


@bp.route("/meetings")
def meetings():
    return render_template("admin/meetings.html", meetings=services.meetings_now())


@bp.route("/nodes")
def nodes():
    return render_template(
        "admin/nodes.html", nodes=node_services.all_nodes(), status=node_services.status, form=EmptyForm()
    )


@bp.route("/nodes/<node_id>/drain", methods=["POST"])
def drain_node(node_id):
    _csrf()
    node = _get(SfuNode, node_id)
    services.drain_node(current_user._get_current_object(), node)
    db.session.commit()
    flash(f"{node.id} is draining: no new rooms go there; its meetings carry on.", "success")
    return redirect(url_for("admin.nodes"))


@bp.route("/nodes/<node_id>/forget", methods=["POST"])
def forget_node(node_id):
    _csrf()
    node = _get(SfuNode, node_id)
    services.forget_node(current_user._get_current_object(), node)
    db.session.commit()
    flash(f"{node_id} is forgotten; its rooms move on their next join.", "success")
    return redirect(url_for("admin.nodes"))


@bp.route("/tickets")
def tickets():
    return render_template("admin/tickets.html", tickets=services.tickets())


@bp.route("/tickets/<int:ticket_id>", methods=["GET", "POST"])
def ticket(ticket_id):
    record = _get(SupportTicket, ticket_id)
    form = ReplyForm()
    if form.validate_on_submit():
        try:
            services.reply_to_ticket(current_user._get_current_object(), record, form.message.data)
        except MailError:
            db.session.rollback()
            flash("The mail server refused the answer; nothing was sent. Try again.", "error")
        else:
            db.session.commit()
            flash(f"Your answer went to {record.email}.", "success")
            return redirect(url_for("admin.ticket", ticket_id=ticket_id))
    return render_template(
        "admin/ticket.html", ticket=record, form=form, close_form=EmptyForm()
    ), 400 if form.errors else 200


@bp.route("/tickets/<int:ticket_id>/close", methods=["POST"])
def close_ticket(ticket_id):
    _csrf()
    record = _get(SupportTicket, ticket_id)
    services.close_support_ticket(current_user._get_current_object(), record)
    db.session.commit()
    flash(f"Ticket #{ticket_id} is closed; `flask purge` deletes it when its retention period ends.", "success")
    return redirect(url_for("admin.ticket", ticket_id=ticket_id))


@bp.route("/enquiries")
def enquiries():
    return render_template("admin/enquiries.html", enquiries=services.enquiries())


@bp.route("/enquiries/<int:enquiry_id>")
def enquiry(enquiry_id):
    return render_template("admin/enquiry.html", enquiry=_get(ContactRequest, enquiry_id))


@bp.route("/retention")
def retention():
    return render_template("admin/retention.html", runs=services.retention_runs())


@bp.route("/audit")
def audit_log():
    return render_template("admin/audit.html", actions=audit.recent())
