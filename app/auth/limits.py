"""Rate-limit keys for sign-in: per identifier as well as per IP address.

Windows are short on purpose: someone flooding an address with requests can hold its owner
back for ten minutes at most.
"""

from flask import request, session

from .identifiers import InvalidIdentifier, parse_identifier

REQUEST_PER_IP = "5 per minute;30 per hour"
REQUEST_PER_IDENTIFIER = "5 per 10 minutes"
CHECK_PER_IP = "20 per 10 minutes"
CHECK_PER_IDENTIFIER = "12 per 10 minutes"


def submitted_identifier():
    raw = request.form.get("identifier", "")
    try:
        return "identifier:" + parse_identifier(raw).value
    except InvalidIdentifier:
        return "identifier:" + raw.strip().lower()[:254]


def pending_identifier():
    pending = session.get("pending_code") or {}
    return "identifier:" + str(pending.get("identifier", request.remote_addr))
