"""`flask backup` and `flask restore`: the database through each engine's own tools.

PostgreSQL goes through ``pg_dump --format=custom`` and ``pg_restore`` (consistent snapshots of
a live database, restorable into any empty database); SQLite through its online backup API
(``sqlite3.Connection.backup``), which copies a consistent image while the app keeps writing.
Nothing home-made reads or writes rows.

A backup holds the database only. The secrets live beside it (the environment, or ``instance/``
in development) and are needed to use a restored copy: ``SECRET_KEY`` signs sessions and keys
the one-time code and earlier-contact hashes, ``NODE_MASTER_SECRET`` derives each node's key.
"""

import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa

from ..extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

SECRETS_NOTE = (
    "This backup holds the database only. Keep these with it, somewhere else safe: SECRET_KEY "
    "(sessions, one-time code and earlier-contact hashes), NODE_MASTER_SECRET (node keys), TURN_SECRET, "
    "STRIPE_WEBHOOK_SECRET and OIDC_CLIENT_SECRET, from your environment or instance/*.secret. "
    "Technical log files are not in it: they are kept only for their retention period."
)


class BackupError(Exception):
    """The backup or restore could not be done; the message says why, for the operator."""


def engine_url():
    return db.engine.url


def is_sqlite():
    return engine_url().get_backend_name() == "sqlite"


def libpq_url():
    """The database URL as pg_dump and pg_restore read it (no SQLAlchemy driver name)."""
    return engine_url().set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path():
    path = engine_url().database
    if not path or path == ":memory:":
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(path)


def _tool(name):
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed (apt-get install postgresql-client).")
    return found


def _run(command):
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603 (fixed tools)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[:2000]}")


def backup(destination):
    """Write a consistent copy of the database to ``destination``; return its size in bytes."""
    destination = Path(destination)
    destination.parent.mkdir(parents=True, exist_ok=True)
    if is_sqlite():
        source = sqlite3.connect(sqlite_path())
        target = sqlite3.connect(destination)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(destination),
              "--dbname", libpq_url()])  # fmt: skip
    return destination.stat().st_size


def is_empty():
    return not sa.inspect(db.engine).get_table_names()


def restore(source):
    """Load the backup at ``source`` into the configured database, which must be empty."""
    source = Path(source)
    with open(source, "rb") as handle:
        head = handle.read(16)
    if not is_empty():
        raise BackupError("The database is not empty. Restore into a new, empty database.")
    db.session.remove()
    db.engine.dispose()  # no pooled connection may outlive the swap
    if is_sqlite():
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError("That file is not an SQLite backup (a PostgreSQL dump goes into PostgreSQL).")
        origin = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        target = sqlite3.connect(sqlite_path())
        try:
            with target:
                origin.backup(target)
        finally:
            target.close()
            origin.close()
    else:
        if not head.startswith(PG_DUMP_MAGIC):
            raise BackupError("That file is not a pg_dump backup (an SQLite backup goes into SQLite).")
        _run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
              "--dbname", libpq_url(), str(source)])  # fmt: skip
