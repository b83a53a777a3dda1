"""Outgoing email, as text and HTML rendered from ``templates/email/``.

``MAIL_URL`` picks the transport: ``console`` prints messages (development), and
``smtp://host:port``, ``smtp+starttls://user:pass@host:587`` or ``smtps://...`` deliver them.
"""

import logging
import re
import smtplib
import sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from flask import current_app, has_request_context, render_template, url_for

log = logging.getLogger("parlor.mail")

# The subject of a one-time code message (``auth.codes.deliver_code``), and an SMS's first words.
CODE_TEXT = re.compile(r"^(\d{6}) is your Parlor code")


def code_box(to, text):
    """A framed line naming the code in ``text``, so it stands out in a busy console; else ''."""
    match = CODE_TEXT.match(text or "")
    if not match:
        return ""
    line = f"  Code for {to}: {match.group(1)}  "
    rule = "=" * len(line)
    return f"\n{rule}\n{line}\n{rule}\n"


class MailError(Exception):
    """The message could not be handed to the mail server."""


class ConsoleTransport:
    """Prints each message; keeps them in ``outbox`` so tests and operators can read them."""

    def __init__(self):
        self.outbox = []

    def send(self, message):
        self.outbox.append(message)
        body = message.get_body(("plain",)).get_content()
        print(
            f"\n--- email to {message['To']} ---\nSubject: {message['Subject']}\n\n{body}--- end of email ---"
            + code_box(message["To"], message["Subject"]),
            file=sys.stderr,
            flush=True,
        )


class SmtpTransport:
    def __init__(self, url):
        parts = urlsplit(url)
        self.ssl = parts.scheme == "smtps"
        self.starttls = parts.scheme == "smtp+starttls"
        self.host = parts.hostname or "localhost"
        self.port = parts.port or (465 if self.ssl else 25)
        self.username = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None

    def send(self, message):
        client_class = smtplib.SMTP_SSL if self.ssl else smtplib.SMTP
        try:
            with client_class(self.host, self.port, timeout=10) as client:
                if self.starttls:
                    client.starttls()
                if self.username:
                    client.login(self.username, self.password)
                client.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(str(error)) from error


def transport_for(url):
    if url == "console":
        return ConsoleTransport()
    if urlsplit(url).scheme in ("smtp", "smtps", "smtp+starttls"):
        return SmtpTransport(url)
    raise ValueError(f"MAIL_URL must be 'console' or an smtp:// URL, not {url!r}")


def build_message(to, subject, template, headers=None, **context):
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain="parlor.localhost")
    for name, value in (headers or {}).items():
        message[name] = value
    context.setdefault("subject", subject)
    message.set_content(render_template(f"email/{template}.txt", **context))
    message.add_alternative(render_template(f"email/{template}.html", **context), subtype="html")
    return message


def send_email(to, subject, template, headers=None, **context):
    """Render and send one message; raises MailError when the server refuses it."""
    message = build_message(to, subject, template, headers=headers, **context)
    current_app.extensions["parlor_mail"].send(message)
    log.info("mail sent", extra={"template": template})


def try_send_email(to, subject, template, **context):
    """Send, but report failure as False instead of raising: the caller has stored its data."""
    try:
        send_email(to, subject, template, **context)
    except MailError:
        log.exception("mail not sent, will be retried", extra={"template": template})
        return False
    return True


def notify_staff(record, to, subject, template, **context):
    """Mail our team about a stored submission; mark it sent, or leave it for `flask mail retry`."""
    from .timeutil import utcnow

    sent = try_send_email(to, subject, template, **context)
    if sent:
        record.mailed_at = utcnow()
    return sent


def external_url(endpoint, **values):
    """An absolute link for emails: PUBLIC_URL in production, else this request's or the local host."""
    base = current_app.config["PUBLIC_URL"]
    if not base and has_request_context():
        return url_for(endpoint, _external=True, **values)
    base = base or f"http://127.0.0.1:{current_app.config['PORT']}"
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def init_app(app):
    app.extensions["parlor_mail"] = transport_for(app.config["MAIL_URL"])
