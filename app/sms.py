"""Text messages for sign-in codes.

``SMS_URL`` picks the transport: ``console`` prints messages (development); a Twilio-style
REST provider is ``twilio://ACCOUNT_SID:AUTH_TOKEN@api.twilio.com?from=%2B4712345678``
(``twilio+http://`` talks plain HTTP, for a local test double).
"""

import logging
import sys
from urllib.parse import parse_qs, unquote, urlsplit

import requests
from flask import current_app

from .mail import code_box

log = logging.getLogger("parlor.sms")


class SmsError(Exception):
    """The provider did not accept the message."""


class ConsoleSms:
    def __init__(self):
        self.outbox = []

    def send(self, to, body):
        self.outbox.append((to, body))
        print(f"\n--- SMS to {to} ---\n{body}\n--- end of SMS ---{code_box(to, body)}", file=sys.stderr, flush=True)


class TwilioSms:
    """Sends through Twilio's Messages API (or any provider speaking the same dialect)."""

    def __init__(self, url):
        parts = urlsplit(url)
        scheme = "http" if parts.scheme == "twilio+http" else "https"
        self.account_sid = unquote(parts.username or "")
        self.auth_token = unquote(parts.password or "")
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.endpoint = f"{scheme}://{host}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        self.sender = parse_qs(parts.query).get("from", [""])[0]
        if not (self.account_sid and self.auth_token and self.sender):
            raise ValueError("SMS_URL needs an account SID, an auth token and ?from=")

    def send(self, to, body):
        try:
            response = requests.post(
                self.endpoint,
                data={"To": to, "From": self.sender, "Body": body},
                auth=(self.account_sid, self.auth_token),
                timeout=10,
            )
        except requests.RequestException as error:
            raise SmsError(str(error)) from error
        if response.status_code >= 300:
            raise SmsError(f"provider answered {response.status_code}")


def transport_for(url):
    if url == "console":
        return ConsoleSms()
    if urlsplit(url).scheme in ("twilio", "twilio+http"):
        return TwilioSms(url)
    raise ValueError(f"SMS_URL must be 'console' or a twilio:// URL, not {url!r}")


def send_sms(to, body):
    current_app.extensions["parlor_sms"].send(to, body)
    log.info("sms sent")


def init_app(app):
    app.extensions["parlor_sms"] = transport_for(app.config["SMS_URL"])
