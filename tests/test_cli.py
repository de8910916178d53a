"""The `mentorloom` command on both databases: help, migrations, demo, admin, CSV import/export."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mentorloom.cli import app
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.programs.models import Membership

runner = CliRunner()
COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["demo"],
    ["user", "create-admin"],
    ["participants", "import"],
    ["participants", "export"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "root")
def test_every_command_has_help(command: list[str]) -> None:
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


@pytest.fixture()
def cli_env(fresh_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("MENTORLOOM_DATABASE_URL", fresh_database_url)
    monkeypatch.setenv("MENTORLOOM_VAR_DIR", str(tmp_path / "var"))
    return fresh_database_url


def test_migrate_demo_import_export(cli_env: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["db", "current"]).output.strip() != "base"
    first = runner.invoke(app, ["demo"])
    assert first.exit_code == 0 and "coordinator@demo.mentorloom.org" in first.output
    second = runner.invoke(app, ["demo"])
    assert "already present" in second.output

    database = Database(Settings().sqlalchemy_url)
    with database.session() as session:
        before = session.scalar(select(func.count()).select_from(Membership))
    csv_file = tmp_path / "people.csv"
    csv_file.write_text("email;name;role\nneu@example.org;Neu Person;mentee\n", encoding="utf-8-sig")
    imported = runner.invoke(app, ["participants", "import", "1", str(csv_file)])
    assert imported.exit_code == 0, imported.output
    bad = tmp_path / "bad.csv"
    bad.write_text("email,name,role\nnot-an-email,X,mentor\n")
    failed = runner.invoke(app, ["participants", "import", "1", str(bad)])
    assert failed.exit_code == 2 and "line 2" in failed.output and "email" in failed.output
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Membership)) == before + 1
    out = tmp_path / "export.csv"
    assert runner.invoke(app, ["participants", "export", "1", "-o", str(out)]).exit_code == 0
    assert "neu@example.org" in out.read_text()
    database.dispose()

    admin = runner.invoke(
        app, ["user", "create-admin", "boss@example.org", "--name", "Boss"], input="long enough pw\nlong enough pw\n"
    )
    assert admin.exit_code == 0, admin.output
    assert runner.invoke(app, ["db", "downgrade", "--yes"]).exit_code == 0
    assert runner.invoke(app, ["db", "current"]).output.strip() == "base"
