import click
import sqlalchemy as sa
from flask.cli import AppGroup

from ..auth.identifiers import EMAIL, Identifier, InvalidIdentifier, parse_email
from ..auth.services import find_user
from ..extensions import db
from ..plans import AUTO, LARGE, MODES, SMALL
from . import services
from .models import Room
from .names import InvalidRoomName

rooms_cli = AppGroup("rooms", help="Rooms, for operators.")


@rooms_cli.command("create")
@click.argument("name")
@click.option("--owner", "owner_email", required=True, help="Email address of the owning account.")
@click.option(
    "--mode",
    type=click.Choice(MODES),
    default=None,
    help=f"'{SMALL}' is peer-to-peer, '{LARGE}' always through a node, '{AUTO}' switches as the meeting grows. "
    "Any plan; without it the room gets its plan's default.",
)
def create_room(name, owner_email, mode):
    """Claim NAME for the account with --owner EMAIL."""
    try:
        owner = find_user(Identifier(EMAIL, parse_email(owner_email)))
    except InvalidIdentifier as error:
        raise click.BadParameter(str(error), param_hint="--owner") from None
    if owner is None:
        raise click.ClickException(f"No account uses {owner_email}.")
    try:
        room = services.claim_room(owner, name, mode=mode)
    except (InvalidRoomName, services.RoomError) as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created room {room.name} for {owner.email} ({services.meeting_mode(room)} meetings).")


@rooms_cli.command("list")
def list_rooms():
    """Every room with its owner, mode and lock."""
    rooms = db.session.scalars(sa.select(Room).order_by(Room.name)).all()
    if not rooms:
        click.echo("No rooms yet.")
        return
    click.echo(f"{'ROOM':<40} {'OWNER':<32} {'MEETINGS':<8} LOCKED")
    for room in rooms:
        owner = room.owner.email or room.owner.phone
        click.echo(f"{room.name:<40} {owner:<32} {services.meeting_mode(room):<8} {'yes' if room.locked else 'no'}")
