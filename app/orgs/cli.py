import click
from flask.cli import AppGroup

from ..extensions import db
from . import services
from .services import OrgError

orgs_cli = AppGroup("orgs", help="Business organisations, for operators.")


@orgs_cli.command("create")
@click.argument("slug")
@click.option("--owner", "owner_email", required=True, help="Email address of the owning account.")
@click.option("--seats", type=click.IntRange(1, 10000), default=5, show_default=True, help="A fixed number of seats.")
@click.option("--name", default=None, help="Display name (defaults to SLUG).")
def create_org(slug, owner_email, seats, name):
    """Make organisation SLUG owned by --owner, with fixed seats and no billing (safe to repeat)."""
    owner = services.find_user(owner_email)
    if owner is None:
        raise click.ClickException(f"No account uses {owner_email}.")
    existing = services.get_org(slug)
    if existing is not None:
        if services.membership(existing, owner) is None or existing.billed:
            raise click.ClickException(f"{slug} already exists.")
        existing.seats = seats
        db.session.commit()
        click.echo(f"{existing.slug} exists; seats set to {seats}")
        return
    try:
        org = services.create_org(owner, name or slug, slug, seats=seats, billed=False)
    except OrgError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"created {org.slug} for {owner_email} with {seats} seats")
