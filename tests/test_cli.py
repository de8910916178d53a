"""The `mentorloom` command on both databases: help, migrations, demo, admin, CSV import/export."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditEvent
from mentorloom.cli import app
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.programs.models import Membership
from tests.factories import make_program

runner = CliRunner()
COMMANDS = [
    [],
    ["serve"],
    ["worker"],
    ["db"],
    ["db", "upgrade"],
    ["db", "downgrade"],
    ["db", "current"],
    ["backup"],
    ["restore"],
    ["demo"],
    ["user", "create-admin"],
    ["participants", "import"],
    ["participants", "export"],
    ["match-csv"],
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


def test_a_participant_export_to_a_place_that_is_no_writable_file_says_so(cli_env: str, tmp_path: Path) -> None:
    """A directory, a path under a file, a FIFO (as /dev/full would be) or a name too long for the system: each
    used to end in a traceback (or block); now a message names the path, no file is half-written and no export
    is recorded in the audit log."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    database = Database(Settings().sqlalchemy_url)
    with database.session() as session:
        program_id = make_program(session).id
    folder, plain, fifo = tmp_path / "folder", tmp_path / "plain.txt", tmp_path / "fifo"
    folder.mkdir()
    plain.write_text("keep me")
    os.mkfifo(fifo)
    for output in (folder, plain / "under-a-file.csv", fifo, tmp_path / ("x" * 300 + ".csv")):
        result = runner.invoke(app, ["participants", "export", str(program_id), "-o", str(output)])
        assert result.exit_code == 1, (output, result.output, result.exception)
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        assert str(output) in result.output.replace("\n", ""), result.output
    assert folder.is_dir() and stat.S_ISFIFO(fifo.stat().st_mode) and plain.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.name.endswith(".partial")) == []
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
    database.dispose()


def test_create_admin_works_in_a_fresh_process(cli_env: str, tmp_path: Path) -> None:
    """The README's first step, run as an operator runs it: in a process of its own (the tests' process has every
    model loaded). It ended in NoReferencedTableError (the audit event's foreign key to programs) and no admin."""
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    command = [sys.executable, "-m", "mentorloom", "user", "create-admin", "first@example.org", "--password", "pw"]
    done = subprocess.run([*command[:-1], "long enough pw"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Administrator first@example.org is ready." in done.stdout
    database = Database(cli_env)
    with database.session() as session:
        admin = session.scalars(select(User).where(User.email == "first@example.org")).one()
        assert admin.is_admin and "admin_granted" in set(session.scalars(select(AuditEvent.action)))
    database.dispose()


MENTORS = (
    "email,name,role,languages,values,expertise,capacity\n"
    "anna@x.org,Anna,mentor,de|en,autonomy|family,Negotiation:5,1\nbernd@x.org,Bernd,mentor,en,growth,Python:4,2\n"
)
MENTEES = (
    "email;name;role;languages;values;wanted_skills\n"
    "sophie@x.org;Sophie;mentee;de;autonomy|family;Negotiation:1\ntom@x.org;Tom;mentee;en;growth;Python:1\n"
    "zoe@x.org;Zoe;mentee;fr;;\n"
)


@pytest.mark.parametrize("mode", ["optimal", "stable"])
def test_match_csv_from_participant_files(tmp_path: Path, mode: str) -> None:
    import json

    (tmp_path / "mentors.csv").write_text(MENTORS)
    (tmp_path / "mentees.csv").write_text(MENTEES, encoding="utf-8-sig")
    out = tmp_path / "matches.csv"
    result = runner.invoke(
        app,
        [
            "match-csv",
            "--mentors",
            str(tmp_path / "mentors.csv"),
            "--mentees",
            str(tmp_path / "mentees.csv"),
            "--out",
            str(out),
            "--mode",
            mode,
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["mode"] == mode and summary["matched"] == 2 and summary["unmatched"] == 1
    assert summary["blocking_pairs"] == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "mentee_id,mentor_id,score"
    assert lines[1].startswith("sophie@x.org,anna@x.org,") and lines[3] == "zoe@x.org,,"


def test_match_csv_pairs_mode_and_bad_files(tmp_path: Path) -> None:
    import json

    pairs, caps, out = tmp_path / "pairs.csv", tmp_path / "capacities.csv", tmp_path / "matches.csv"
    pairs.write_text("mentee_id,mentor_id,score\nm1,A,10\nm1,B,4\nm2,A,9\nm3,B,1\n")
    caps.write_text("mentor_id,capacity\nA,1\nB,1\n")
    ok = runner.invoke(app, ["match-csv", "--pairs", str(pairs), "--capacities", str(caps), "--out", str(out)])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output.strip().splitlines()[-1])["matched"] == 2
    out.unlink()
    pairs.write_text("mentee_id,mentor_id,score\nm1,A,10\nm2,A,abc\n")
    bad = runner.invoke(app, ["match-csv", "--pairs", str(pairs), "--capacities", str(caps), "--out", str(out)])
    assert bad.exit_code == 2 and "pairs.csv" in bad.output and "line 3" in bad.output and "score" in bad.output
    assert not out.exists()
    (tmp_path / "m.csv").write_text("email,name,role,timezone\nq@x.org,Q,mentee,Mars/Base\n")
    bad_profile = runner.invoke(
        app,
        ["match-csv", "--mentors", str(tmp_path / "m.csv"), "--mentees", str(tmp_path / "m.csv"), "--out", str(out)],
    )
    assert bad_profile.exit_code == 2 and 'line 2, column "timezone"' in bad_profile.output
    assert not out.exists()


def test_stopping_serve_with_a_signal_stops_its_worker(tmp_path: Path) -> None:
    """`make run` is `serve --with-worker`; Ctrl-C or SIGTERM must not leave the worker running."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "MENTORLOOM_VAR_DIR": str(tmp_path / "var")}
    env.pop("MENTORLOOM_DATABASE_URL", None)
    subprocess.run([sys.executable, "-m", "mentorloom", "db", "upgrade"], env=env, check=True, capture_output=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "mentorloom", "serve", "--port", str(port), "--with-worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def children() -> list[int]:
        found = subprocess.run(["ps", "--ppid", str(server.pid), "-o", "pid="], capture_output=True, text=True)
        return [int(p) for p in found.stdout.split()]

    try:
        deadline = time.monotonic() + 60
        while not children() and time.monotonic() < deadline:
            time.sleep(0.2)
        (worker,) = children()
        time.sleep(3)  # let the server start up fully, as a person would before pressing Ctrl-C
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        deadline = time.monotonic() + 20
        while _running(worker) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _running(worker), "the worker outlived serve --with-worker"
    finally:
        if server.poll() is None:
            server.kill()


def _running(pid: int) -> bool:
    """True while the process exists and is not a zombie (a zombie has stopped; only its bookkeeping is left)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split()[2] != "Z"
    except FileNotFoundError:
        return False
