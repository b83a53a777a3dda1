"""``flask webhooks deliver`` (one pass of the outbox) and ``flask api webhooks add``."""

import click
from flask.cli import AppGroup

from ..auth.cli import existing_account
from ..extensions import db
from . import services
from .delivery import deliver_due
from .models import EVENTS

webhooks_cli = AppGroup("webhooks", help="Customer webhooks: the delivery outbox.")
webhooks_api = AppGroup("webhooks", help="Webhook endpoints of an account.")


@webhooks_cli.command("deliver")
def deliver():
    """Send every delivery that is due now, once (the app's background worker does this every few seconds)."""
    tried = total = deliver_due()
    while tried:  # more than one batch may be due
        tried = deliver_due()
        total += tried
    click.echo(f"{total} deliveries attempted")


@webhooks_api.command("add")
@click.argument("email")
@click.argument("url")
@click.option("--event", "events", multiple=True, type=click.Choice(EVENTS), help="Repeat for several; default all.")
def add(email, url, events):
    """Register URL for the account EMAIL and print its signing secret (last line, alone)."""
    user = existing_account(email)
    try:
        endpoint = services.add_endpoint(user, url, list(events) or None)
    except services.WebhookError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Added webhook endpoint #{endpoint.id} for {user.email}: {endpoint.url} ({endpoint.events})")
    click.echo("Signing secret (shown once):")
    click.echo(endpoint.secret)


@webhooks_api.command("list")
@click.argument("email")
def list_endpoints(email):
    """The webhook endpoints of the account EMAIL (never their secrets)."""
    for endpoint in services.endpoints_of(existing_account(email)):
        click.echo(f"#{endpoint.id} {endpoint.url} {endpoint.events}")
