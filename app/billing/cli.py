import click
from flask.cli import AppGroup

from ..extensions import db

billing_cli = AppGroup("billing", help="Plans and payments.")


@billing_cli.command("expire-grace")
def expire_grace():
    """Move accounts whose payment grace period has run out to Free (run it hourly, like purge)."""
    from .state import end_expired_grace

    changed = end_expired_grace()
    db.session.commit()
    click.echo(f"{changed} account(s) moved to Free")
