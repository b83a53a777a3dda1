"""``flask api``: API keys for operators (webhooks and allowed origins join this group)."""

import click
from flask.cli import AppGroup

from ..auth.identifiers import EMAIL, Identifier, InvalidIdentifier, parse_email
from ..auth.services import find_user
from ..extensions import db
from . import keys

api_cli = AppGroup("api", help="The embedded REST API, for operators.")
keys_cli = AppGroup("keys", help="API keys.")
api_cli.add_command(keys_cli)


def account(email):
    try:
        user = find_user(Identifier(EMAIL, parse_email(email)))
    except InvalidIdentifier as error:
        raise click.BadParameter(str(error), param_hint="EMAIL") from None
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    return user


@keys_cli.command("create")
@click.argument("email")
@click.argument("name")
def create_key(email, name):
    """Make an API key named NAME for the account EMAIL; the key is printed once, alone on the last line."""
    user = account(email)
    try:
        record, key = keys.create_key(user, name)
    except keys.KeyRefused as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Created API key {record.name!r} (…{record.last4}) for {user.email}. It is shown only now:")
    click.echo(key)


@keys_cli.command("list")
@click.argument("email")
def list_keys(email):
    """The keys of the account EMAIL (never the keys themselves)."""
    records = keys.keys_of(account(email))
    if not records:
        click.echo("No API keys.")
    for record in records:
        used = record.last_used_at.isoformat(timespec="seconds") if record.last_used_at else "never used"
        click.echo(f"{record.id:>5}  …{record.last4}  {record.name}  created {record.created_at:%Y-%m-%d}  {used}")


@keys_cli.command("revoke")
@click.argument("email")
@click.argument("key_id", type=int)
def revoke_key(email, key_id):
    """Revoke the key numbered KEY_ID (see ``list``) of the account EMAIL."""
    record = keys.owned_key(account(email), key_id)
    if record is None:
        raise click.ClickException("That account has no such key.")
    keys.revoke_key(record)
    db.session.commit()
    click.echo(f"Revoked …{record.last4}.")
