import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from ..auth.identifiers import EMAIL, Identifier, InvalidIdentifier, parse_email
from ..auth.models import User
from ..auth.services import complete_sign_in, find_user
from ..extensions import db
from ..timeutil import utcnow
from . import audit
from .devices import forget_devices

staff_cli = AppGroup("staff", help="Staff members, who may open the console at /admin.")


def address(text):
    try:
        return parse_email(text)
    except InvalidIdentifier as error:
        raise click.BadParameter(str(error)) from None


def make_staff_and_commit(email):
    """Return (user, created): EMAIL's account, created if need be, with the staff flag (audited)."""
    user, created = complete_sign_in(Identifier(EMAIL, address(email)))
    user.verified_at = user.verified_at or utcnow()
    if not user.is_staff:
        user.is_staff = True
        db.session.flush()
        audit.record(None, "staff_added", "user", user.id, "from the command line")
    db.session.commit()
    return user, created


@staff_cli.command("add")
@click.argument("email")
def add_staff(email):
    """Make EMAIL a staff member, creating the account if it does not exist."""
    user, created = make_staff_and_commit(email)
    click.echo(f"{'Created' if created else 'Made'} {user.email} staff (user #{user.id}).")


@click.command("create-admin")
@click.argument("email")
@with_appcontext
def create_admin(email):
    """Make EMAIL a staff member, creating the account if it does not exist (as `flask staff add`)."""
    user, created = make_staff_and_commit(email)
    click.echo(f"{'Created' if created else 'Promoted'} {user.email} as staff (user #{user.id}).")


@staff_cli.command("remove")
@click.argument("email")
def remove_staff(email):
    """Take EMAIL's staff flag away and forget the devices it confirmed."""
    user = find_user(Identifier(EMAIL, address(email)))
    if user is None or not user.is_staff:
        raise click.ClickException(f"{email} is not a staff member.")
    user.is_staff = False
    forget_devices(user)
    audit.record(None, "staff_removed", "user", user.id, "from the command line")
    db.session.commit()
    click.echo(f"{user.email} is no longer staff.")


@staff_cli.command("list")
def list_staff():
    """Every staff member."""
    for user in db.session.scalars(sa.select(User).where(User.is_staff).order_by(User.id)):
        click.echo(f"#{user.id} {user.contact}{' (disabled)' if user.is_disabled else ''}")
