import click
from flask.cli import AppGroup

from ..extensions import db
from .services import TicketNotFound, close_ticket

support_cli = AppGroup("support", help="Support tickets.")


@support_cli.command("close")
@click.argument("ticket_id", type=int)
def close_command(ticket_id):
    """Close ticket TICKET_ID; it is deleted CLOSED_TICKET_RETENTION_DAYS later by `flask purge`."""
    try:
        ticket, closed_now = close_ticket(ticket_id)
    except TicketNotFound as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    when = f"{ticket.closed_at:%Y-%m-%d %H:%M} UTC"
    click.echo(f"Closed ticket #{ticket.id} at {when}." if closed_now else f"Ticket #{ticket.id} was closed at {when}.")
