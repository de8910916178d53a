"""`mentorloom backup` / `restore` on SQLite and PostgreSQL: every table comes back exactly as it was backed up."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, delete, insert, select, update
from typer.testing import CliRunner

from mentorloom import migrate
from mentorloom.accounts.models import ApiToken, User
from mentorloom.backup import libpq_connection
from mentorloom.cli import app
from mentorloom.db import Database, create_db_engine
from tests.factories import make_user
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.slow
runner = CliRunner()


@pytest.fixture()
def cli_url(fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MENTORLOOM_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("MENTORLOOM_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("MENTORLOOM_TEXT_ENCODER", "tfidf")
    migrate.upgrade(fresh_database_url)
    return fresh_database_url


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table the database has (found by reflection, not from our models), in a fixed order."""
    engine = create_db_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as conn:
            return {
                name: sorted((tuple(row) for row in conn.execute(select(table))), key=repr)
                for name, table in metadata.tables.items()
            }
    finally:
        engine.dispose()


def _world(url: str) -> Database:
    """The demo program plus two more pairs, all committed."""
    demo = runner.invoke(app, ["demo"])
    assert demo.exit_code == 0, demo.output
    database = Database(url)
    with database.session() as session:
        make_pair(session)
        make_pair(session)
    return database


def test_restore_brings_back_every_table(cli_url: str, tmp_path: Path) -> None:
    database = _world(cli_url)
    before = snapshot(cli_url)
    assert sum(1 for rows in before.values() if rows) >= 15, {t: len(r) for t, r in before.items()}
    assert before["alembic_version"] == [(migrate.head(),)]
    output = tmp_path / "backups" / "one.bak"
    made = runner.invoke(app, ["backup", "--output", str(output)])
    assert made.exit_code == 0, made.output
    assert output.is_file() and str(output) in made.stdout
    assert not list(output.parent.glob("*.partial"))

    with database.session() as session:  # after the backup: changes, deletions, new rows
        session.execute(update(User).values(display_name="Changed"))
        session.execute(delete(ApiToken))
        make_pair(session)
    changed = snapshot(cli_url)
    assert changed != before

    declined = runner.invoke(app, ["restore", str(output)], input="n\n")
    assert declined.exit_code != 0 and "Replace ALL data" in declined.output
    assert snapshot(cli_url) == changed  # nothing touched without a yes

    database.dispose()  # as the README says: stop the web and worker processes first
    restored = runner.invoke(app, ["restore", str(output), "--yes"])
    assert restored.exit_code == 0, restored.output
    after = snapshot(cli_url)
    assert sorted(after) == sorted(before)
    for table, rows in before.items():
        assert len(after[table]) == len(rows), table
        assert after[table] == rows, table

    with database.session() as session:  # sequences came back too: new rows get fresh ids
        make_pair(session)
    database.dispose()


def test_sqlite_backup_runs_while_the_database_is_in_use(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    monkeypatch.setenv("MENTORLOOM_DATABASE_URL", url)
    monkeypatch.setenv("MENTORLOOM_VAR_DIR", str(tmp_path / "var"))
    migrate.upgrade(url)
    database = Database(url)
    with database.session() as session:
        make_user(session, email="committed@example.org")
    committed = snapshot(url)
    reader = database.engine.connect()  # an open read transaction, as a running server has
    reader.execute(select(User.id)).all()
    with database.engine.connect() as writer:  # and a write in progress, not yet committed
        writer.execute(insert(User).values(email="pending@example.org", display_name="P", is_admin=False))
        made = runner.invoke(app, ["backup"])  # default place: var/backups/
        assert made.exit_code == 0, made.output
        writer.rollback()
    reader.close()
    (output,) = (tmp_path / "var" / "backups").glob("mentorloom-*.sqlite3")
    assert snapshot(f"sqlite:///{output}") == committed  # the committed state, without the pending row
    database.dispose()


def test_restore_refuses_what_is_not_a_mentorloom_backup(cli_url: str, tmp_path: Path) -> None:
    before = snapshot(cli_url)
    junk = tmp_path / "junk.bak"
    junk.write_bytes(b"not a database at all\n" * 100)
    refused = runner.invoke(app, ["restore", str(junk), "--yes"])
    assert refused.exit_code == 1 and "is not a Mentorloom backup" in refused.output
    assert snapshot(cli_url) == before


def test_restore_refuses_a_backup_from_an_unknown_migration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    monkeypatch.setenv("MENTORLOOM_DATABASE_URL", url)
    monkeypatch.setenv("MENTORLOOM_VAR_DIR", str(tmp_path / "var"))
    migrate.upgrade(url)
    future = tmp_path / "future.sqlite3"
    assert runner.invoke(app, ["backup", "-o", str(future)]).exit_code == 0
    with sqlite3.connect(future) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999_future'")
    refused = runner.invoke(app, ["restore", str(future), "--yes"])
    assert refused.exit_code == 1 and "9999_future" in refused.output and "does not know" in refused.output
    assert migrate.current(url) == migrate.head()


def test_postgres_backup_without_pg_dump_says_what_to_install(
    fresh_postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MENTORLOOM_DATABASE_URL", fresh_postgres_url)
    monkeypatch.setenv("MENTORLOOM_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    failed = runner.invoke(app, ["backup"])
    assert failed.exit_code == 1
    assert "pg_dump was not found" in failed.output and "postgresql-client" in failed.output


def test_libpq_connection_keeps_the_password_off_the_command_line() -> None:
    target, env = libpq_connection("postgresql+psycopg://ml:s3cr%40t@db.example:5433/mentorloom?sslmode=require")
    assert target == "postgresql://ml@db.example:5433/mentorloom?sslmode=require"
    assert env["PGPASSWORD"] == "s3cr@t"


def test_a_backup_to_a_place_that_is_no_file_says_so_and_replaces_nothing(cli_url: str, tmp_path: Path) -> None:
    """A directory, a path under a file, or a device (a FIFO here, as /dev/full would be) is refused with a
    message: it used to end in a traceback, or in the device being replaced by the backup file."""
    folder = tmp_path / "folder"
    folder.mkdir()
    plain = tmp_path / "plain.txt"
    plain.write_text("keep me")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for output in (folder, plain / "under-a-file.bak", fifo):
        result = runner.invoke(app, ["backup", "--output", str(output)])
        assert result.exit_code == 1, (output, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert str(output) in result.output.replace("\n", "")
    assert folder.is_dir() and stat.S_ISFIFO(fifo.stat().st_mode) and plain.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")) == []
