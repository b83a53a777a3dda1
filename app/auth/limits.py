"""Rate-limit keys for codes: per address (IPv6 per /64), per identifier and per account.

These windows are short on purpose: someone flooding an address with requests can hold its
owner back for ten minutes. The long-term cap lives with the codes themselves
(``codes.check_send_allowed``): a day's sends and tries per identifier, with a growing wait.
"""

from flask import request, session
from flask_login import current_user

from ..extensions import limiter
from ..netkeys import client_network
from .identifiers import InvalidIdentifier, parse_identifier

REQUEST_PER_IP = "5 per minute;30 per hour"
REQUEST_PER_IDENTIFIER = "5 per 10 minutes"
CHECK_PER_IP = "20 per 10 minutes"
CHECK_PER_IDENTIFIER = "12 per 10 minutes"

CONTACT_REQUEST_PER_ACCOUNT = "5 per hour;10 per day"
CONTACT_CHECK_PER_ACCOUNT = "20 per hour"


def submitted_identifier():
    raw = request.form.get("identifier", "")
    try:
        return "identifier:" + parse_identifier(raw).value
    except InvalidIdentifier:
        return "identifier:" + raw.strip().lower()[:254]


def pending_identifier():
    pending = session.get("pending_code") or {}
    return "identifier:" + str(pending.get("identifier", client_network()))


def pending_contact_identifier():
    pending = session.get("pending_contact") or {}
    return "identifier:" + str(pending.get("identifier", client_network()))


def account():
    """The signed-in account, so changing networks does not reset its limits."""
    if current_user.is_authenticated:
        return f"account:{current_user.id}"
    return client_network()


# Shared scopes: a code sent to an address counts the same whichever page asked for it.
request_ip_limit = limiter.shared_limit(REQUEST_PER_IP, scope="code-request-ip", methods=["POST"])
check_ip_limit = limiter.shared_limit(CHECK_PER_IP, scope="code-check-ip", methods=["POST"])


def request_identifier_limit(key_func):
    return limiter.shared_limit(
        REQUEST_PER_IDENTIFIER, scope="code-request-identifier", key_func=key_func, methods=["POST"]
    )


def check_identifier_limit(key_func):
    return limiter.shared_limit(
        CHECK_PER_IDENTIFIER, scope="code-check-identifier", key_func=key_func, methods=["POST"]
    )
