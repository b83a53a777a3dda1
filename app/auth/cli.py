import click
from flask.cli import with_appcontext

from ..extensions import db
from ..timeutil import utcnow
from .identifiers import EMAIL, Identifier, InvalidIdentifier, parse_email
from .services import complete_sign_in, find_user


@click.command("create-admin")
@click.argument("email")
@with_appcontext
def create_admin(email):
    """Make EMAIL a staff member, creating the account if it does not exist."""
    try:
        address = parse_email(email)
    except InvalidIdentifier as error:
        raise click.BadParameter(str(error)) from None
    user, created = complete_sign_in(Identifier(EMAIL, address))
    user.is_staff = True
    user.verified_at = user.verified_at or utcnow()
    db.session.commit()
    click.echo(f"{'Created' if created else 'Promoted'} {address} as staff (user #{user.id}).")


def existing_account(email):
    """The account an operator names by EMAIL, or a ClickException saying why not."""
    try:
        address = parse_email(email)
    except InvalidIdentifier as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    user = find_user(Identifier(EMAIL, address))
    if user is None:
        raise click.ClickException(f"No account uses {address}.")
    return user
