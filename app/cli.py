"""Operator commands: ``flask mail retry`` and the feature groups registered below."""

import click
import sqlalchemy as sa
from flask.cli import AppGroup, with_appcontext

from .extensions import db
from .operations.backup import SECRETS_NOTE, BackupError, backup, restore
from .operations.checks import run_checks

mail_cli = AppGroup("mail", help="Outgoing email.")


@mail_cli.command("retry")
def retry_mail():
    """Send the notifications that failed earlier (contact requests, support tickets)."""
    from .site.models import ContactRequest
    from .site.services import notify_sales
    from .support.models import SupportTicket
    from .support.services import notify_support

    pending = [
        (notify_sales, db.session.scalars(sa.select(ContactRequest).where(ContactRequest.mailed_at.is_(None)))),
        (notify_support, db.session.scalars(sa.select(SupportTicket).where(SupportTicket.mailed_at.is_(None)))),
    ]
    sent = failed = 0
    for notify, records in pending:
        for record in records.all():
            if notify(record):
                sent += 1
            else:
                failed += 1
            db.session.commit()
    click.echo(f"{sent} sent, {failed} still failing")


@click.command("purge")
@click.option("--dry-run", is_flag=True, help="Only count what would be deleted.")
@with_appcontext
def purge_command(dry_run):
    """Delete personal data past its retention period (safe to run as often as you like)."""
    from .privacy.retention import purge

    report = purge(dry_run=dry_run)
    verb = "would delete" if dry_run else "deleted"
    for name, rows in report.items():
        click.echo(f"{name}: {verb} {rows}")


def register_cli(app):
    from .admin.cli import create_admin, staff_cli
    from .api.cli import api_cli
    from .billing.cli import billing_cli
    from .nodes.cli import nodes_cli
    from .orgs.cli import orgs_cli
    from .privacy.cli import policy_cli
    from .privacy.cli import register as register_mailings
    from .rooms.cli import rooms_cli
    from .support.cli import support_cli

    register_mailings(mail_cli)

    app.cli.add_command(mail_cli)
    app.cli.add_command(api_cli)
    app.cli.add_command(create_admin)
    app.cli.add_command(billing_cli)
    app.cli.add_command(nodes_cli)
    app.cli.add_command(rooms_cli)
    app.cli.add_command(orgs_cli)
    app.cli.add_command(purge_command)
    app.cli.add_command(policy_cli)
    app.cli.add_command(support_cli)
    app.cli.add_command(staff_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_command)


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def backup_command(destination):
    """Write a consistent copy of the database to DESTINATION (pg_dump, or SQLite's backup API)."""
    try:
        size = backup(destination)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up the database to {destination} ({size:,} bytes).")
    click.echo(SECRETS_NOTE)


@click.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def restore_command(source):
    """Load the backup SOURCE into the configured (empty) database, then run `flask check`."""
    try:
        restore(source)
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Restored {source}.")
    report_checks()


@click.command("check")
@with_appcontext
def check_command():
    """Check the database: migrations at head, schema as the models say, foreign keys consistent."""
    report_checks()


def report_checks():
    results = run_checks()
    for result in results:
        click.echo(f"{'ok  ' if result.ok else 'FAIL'} {result.name}")
        for problem in result.problems:
            click.echo(f"     {problem}")
    if not all(result.ok for result in results):
        raise click.ClickException("the database failed its consistency checks")
