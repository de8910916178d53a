"""The command line on both databases: a person's export to a file, erasure (asks first), retention now."""

from __future__ import annotations

import os
import stat
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditEvent
from mentorloom.cli import app
from mentorloom.db import Database

runner = CliRunner()


@pytest.fixture()
def cli_db(fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MENTORLOOM_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("MENTORLOOM_VAR_DIR", str(tmp_path / "var"))
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return fresh_database_url


def test_export_erase_and_retention_from_the_command_line(cli_db: str, tmp_path: Path) -> None:
    database = Database(cli_db)
    with database.session() as session:
        session.add(User(email="eve@example.org", display_name="Eve Example"))
    out = tmp_path / "eve.zip"
    exported = runner.invoke(app, ["user", "export", "eve@example.org", "-o", str(out)])
    assert exported.exit_code == 0, exported.output
    with zipfile.ZipFile(out) as archive:
        assert "Eve Example" in archive.read("mentorloom-data.json").decode()

    refused = runner.invoke(app, ["user", "erase", "eve@example.org"], input="n\n")
    assert refused.exit_code != 0
    erased = runner.invoke(app, ["user", "erase", "eve@example.org", "--yes"])
    assert erased.exit_code == 0, erased.output
    assert runner.invoke(app, ["user", "erase", "nobody@example.org", "--yes"]).exit_code == 1
    with database.session() as session:
        eve = session.scalars(select(User).where(User.display_name.like("Erased person%"))).one()
        assert eve.erased_at is not None and not eve.is_active
        actions = {(e.action, e.origin) for e in session.scalars(select(AuditEvent))}
        assert {("data_exported", "cli"), ("person_erased", "cli")} <= actions

    ran = runner.invoke(app, ["retention"])
    assert ran.exit_code == 0 and "Anonymised 0 mentorships" in ran.output
    database.dispose()


@pytest.mark.parametrize("command", [["user", "export"], ["user", "erase"], ["retention"]])
def test_the_privacy_commands_have_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and "Usage" in result.output


@pytest.mark.parametrize("command", [["user", "erase", "--yes"], ["user", "export"], ["user", "create-admin"]])
def test_an_address_that_is_not_utf8_is_refused_by_name(cli_db: str, command: list[str]) -> None:
    """Bytes that are not UTF-8 reach Python as lone surrogates: they used to end in a UnicodeEncodeError traceback
    from the driver; now the argument is refused with a message naming it, and nothing is written."""
    address = b"\xff\xfe@example.org".decode("utf-8", "surrogateescape")
    result = runner.invoke(app, [*command, address], input="a long new password\na long new password\n")
    assert result.exit_code == 2, (result.output, result.exception)
    assert "email" in result.output.lower() and "not UTF-8 text" in result.output
    with Database(cli_db).session() as session:
        assert session.scalars(select(AuditEvent)).all() == []


def _no_file_places(tmp_path: Path) -> tuple[Path, Path, list[Path]]:
    """A directory, a path under a regular file, a device (a FIFO here, as /dev/full would be) and a name the
    system refuses (too long: an OSError while writing, as a full disk or a missing permission would give)."""
    folder = tmp_path / "folder"
    folder.mkdir()
    plain = tmp_path / "plain.txt"
    plain.write_text("keep me")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    return folder, fifo, [folder, plain / "under-a-file.zip", fifo, tmp_path / ("x" * 300 + ".zip")]


def test_an_export_to_a_place_that_is_no_writable_file_says_so_and_records_nothing(cli_db: str, tmp_path: Path) -> None:
    """It used to end in a traceback (IsADirectoryError, NotADirectoryError, ...); a FIFO blocked the command.
    Now each is refused with a message naming the path, nothing is left half-written and no export is recorded."""
    with Database(cli_db).session() as session:
        session.add(User(email="eve@example.org", display_name="Eve Example"))
    folder, fifo, places = _no_file_places(tmp_path)
    for output in places:
        result = runner.invoke(app, ["user", "export", "eve@example.org", "-o", str(output)])
        assert result.exit_code == 1, (output, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert str(output) in result.output.replace("\n", ""), result.output
    assert folder.is_dir() and list(folder.iterdir()) == [] and stat.S_ISFIFO(fifo.stat().st_mode)
    assert (tmp_path / "plain.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.name.endswith(".partial")) == []
    with Database(cli_db).session() as session:
        assert [e.action for e in session.scalars(select(AuditEvent))] == []
