"""Command-line helpers about accounts, shared by the feature commands that name one by email."""

import click

from .identifiers import EMAIL, Identifier, InvalidIdentifier, parse_email
from .services import find_user


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
