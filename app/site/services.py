from flask import current_app

from ..extensions import db
from ..mail import notify_staff
from .models import ContactRequest


def submit_contact_request(*, name, email, company, team_size, message):
    """Store the request first, then tell sales; a mail failure leaves it for `flask mail retry`."""
    request = ContactRequest(name=name, email=email, company=company or None, team_size=team_size, message=message)
    db.session.add(request)
    db.session.commit()
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
