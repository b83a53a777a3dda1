import click
from flask.cli import AppGroup

from ..extensions import db
from .mailings import send_mailing
from .notices import AnnouncementRefused, announce_and_commit

policy_cli = AppGroup("policy", help="Legal documents.")


@policy_cli.command("announce")
@click.argument("document")
@click.argument("version", type=int)
def announce_command(document, version):
    """Email every user about a material change to DOCUMENT (e.g. privacy-policy) VERSION, once."""
    try:
        sent = announce_and_commit(document, version)
    except AnnouncementRefused as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    click.echo(f"Announced {document}@{version} to {sent} users.")


def mailing_command(purpose):
    @click.argument("file", type=click.Path(exists=True, dir_okay=False))
    def command(file):
        try:
            sent, failed = send_mailing(purpose, file)
        except ValueError as error:
            raise click.ClickException(str(error)) from None
        click.echo(f"Sent the {purpose} to {sent} consenting users ({failed} failed).")

    command.__doc__ = f"Send FILE ('Subject: …', blank line, text) to everyone who consents to the {purpose}."
    return command


def register(mail_cli):
    mail_cli.command("newsletter")(mailing_command("newsletter"))
    mail_cli.command("digest")(mailing_command("digest"))
