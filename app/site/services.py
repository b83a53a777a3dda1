from flask import current_app

from ..extensions import db
from ..mail import notify_staff
from .models import ContactRequest


def submit_contact_request(*, name, email, company, team_size, message):
    """Add the request and tell sales; the caller commits once, after the mail was tried.

    A mail failure does not raise: the request is still committed, unmarked, for `flask mail retry`.
    """
    request = ContactRequest(name=name, email=email, company=company or None, team_size=team_size, message=message)
    db.session.add(request)
    db.session.flush()  # the mail quotes the request's number
    notify_sales(request)
    return request


def notify_sales(request):
    return notify_staff(
        request,
        current_app.config["SALES_EMAIL"],
        f"Sales enquiry from {request.name}",
        "contact_request",
        request=request,
    )
