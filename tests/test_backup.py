"""Backups: `flask backup`, `flask restore` into a fresh database, and `flask check` on the result."""

import sqlalchemy as sa

from app.admin.models import StaffAction
from app.auth.models import User
from app.extensions import db
from app.rooms.models import Room
from app.support.models import SupportTicket
from app.timeutil import utcnow


def fill(app):
    """An account with a picture, a room, a ticket and an audit row: several tables, bytes and foreign keys."""
    with app.app_context():
        user = User(email="alice@example.com", verified_at=utcnow(), avatar_image=b"\x00RIFF picture bytes")
        db.session.add(user)
        db.session.flush()
        db.session.add_all(
            [
                Room(name="alices-room", owner_id=user.id, mode="small"),
                SupportTicket(email="alice@example.com", subject="Hello", message="A question for you."),
                StaffAction(staff_id=user.id, action="user_disabled", target_type="user", target_id="9"),
            ]
        )
        db.session.commit()


def test_backup_restores_into_a_fresh_database_that_passes_the_checks(migrated_app, fresh_app, tmp_path):
    """Does a backup, restored into a new empty database, hold the same rows and pass `flask check`?"""
    fill(migrated_app)
    archive = tmp_path / "parlor.backup"
    result = migrated_app.test_cli_runner().invoke(args=["backup", str(archive)])
    assert result.exit_code == 0, result.output
    assert "SECRET_KEY" in result.output  # the note: the secrets are not in the backup
    restored = fresh_app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert restored.exit_code == 0, restored.output
    assert "ok   migrations at head" in restored.output and "ok   foreign keys consistent" in restored.output
    checked = fresh_app.test_cli_runner().invoke(args=["check"])
    assert checked.exit_code == 0, checked.output
    with fresh_app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.email == "alice@example.com" and user.avatar_image == b"\x00RIFF picture bytes"
        assert db.session.scalar(sa.select(Room)).owner_id == user.id
        assert db.session.scalar(sa.select(SupportTicket)).message == "A question for you."
        assert db.session.scalar(sa.select(StaffAction)).staff_id == user.id


def test_restore_refuses_a_database_that_is_not_empty(migrated_app, tmp_path):
    """Is restoring over a database that holds tables refused, leaving its rows alone?"""
    fill(migrated_app)
    archive = tmp_path / "parlor.backup"
    runner = migrated_app.test_cli_runner()
    assert runner.invoke(args=["backup", str(archive)]).exit_code == 0
    result = runner.invoke(args=["restore", str(archive)])
    assert result.exit_code != 0 and "not empty" in result.output
    with migrated_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_restore_refuses_a_file_that_is_no_backup(fresh_app, tmp_path):
    """Is a file that is not a backup for this engine refused, with the database left empty?"""
    bogus = tmp_path / "notes.txt"
    bogus.write_text("not a backup at all")
    result = fresh_app.test_cli_runner().invoke(args=["restore", str(bogus)])
    assert result.exit_code != 0 and "not" in result.output
    with fresh_app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []


def test_check_finds_a_database_behind_the_migrations(app):
    """Does `flask check` fail on a database with no migration recorded (tables made some other way)?"""
    result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code != 0
    assert "FAIL migrations at head" in result.output and "ok   foreign keys consistent" in result.output


def test_check_finds_rows_pointing_at_nothing(migrated_app):
    """Does `flask check` name a foreign key whose parent row is gone (written past the constraints)?"""
    fill(migrated_app)
    with migrated_app.app_context(), db.engine.begin() as connection:
        # Past the constraint without superuser rights: SQLite stops enforcing, PostgreSQL loses the
        # constraint (the table's owner may drop it; the app fixture drops the tables afterwards).
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        else:
            for foreign_key in sa.inspect(connection).get_foreign_keys("rooms"):
                if foreign_key["constrained_columns"] == ["owner_id"]:
                    connection.exec_driver_sql(f'ALTER TABLE rooms DROP CONSTRAINT "{foreign_key["name"]}"')
        connection.execute(sa.text("UPDATE rooms SET owner_id = owner_id + 1000"))
    result = migrated_app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code != 0
    assert (
        "FAIL foreign keys consistent" in result.output
        and "rooms.owner_id: 1 rows point at no users row" in result.output
    )
