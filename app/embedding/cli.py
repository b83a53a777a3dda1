"""``flask api origins set EMAIL ORIGIN…``: which sites may frame an account's rooms."""

import click
from flask.cli import AppGroup

from ..auth.cli import existing_account
from ..extensions import db
from . import services

origins_api = AppGroup("origins", help="Sites allowed to embed an account's rooms.")


@origins_api.command("set")
@click.argument("email")
@click.argument("origins", nargs=-1)
def set_origins(email, origins):
    """Replace the allowed origins of EMAIL with ORIGIN… (none: no site may embed its rooms)."""
    user = existing_account(email)
    try:
        parsed = services.parse_origins(origins)
    except services.InvalidOrigins as error:
        raise click.ClickException(str(error)) from None
    services.set_origins(user, parsed)
    db.session.commit()
    click.echo(f"{user.email}: {' '.join(parsed) if parsed else 'no site'} may embed its rooms.")


@origins_api.command("list")
@click.argument("email")
def list_origins(email):
    """The allowed origins of EMAIL, one a line."""
    for origin in services.origins_of(existing_account(email).id):
        click.echo(origin)
