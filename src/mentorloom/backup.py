"""`mentorloom backup` and `mentorloom restore`: SQLite through its online backup API, PostgreSQL through pg_dump.

SQLite: the backup API copies a consistent snapshot page by page while the server keeps running, and a restore
copies the backup into the live file the same way, in one write transaction (other connections see the old or
the new database, never a mix, and no stale -wal file is left beside a renamed one).
PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner --single-transaction`,
with the configured URL turned into a libpq connection string (the password goes through PGPASSWORD, not
the command line, where `ps` would show it).
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.engine import URL, make_url

from mentorloom import migrate
from mentorloom.errors import MentorloomError
from mentorloom.outfiles import output_file

PG_TIMEOUT = 6 * 3600  # seconds; a dump of a large instance takes minutes, never hours


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def default_backup_path(url: str, var_dir: Path, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    return var_dir / "backups" / f"mentorloom-{stamp}.{'sqlite3' if is_sqlite(url) else 'dump'}"


def backup(url: str, output: Path) -> str:
    """Write a backup of the database at `url` to `output`; returns its migration revision.

    Only a file is written or replaced: a directory or a device (/dev/full, a pipe) is refused, since the finished
    backup is renamed onto `output` and would replace the device itself.
    """
    with output_file(output, "backup") as partial:  # a crash leaves no half file under the real name
        if is_sqlite(url):
            _sqlite_copy(_sqlite_path(url), partial)
        else:
            _pg_dump(url, partial)
        revision = backup_revision(url, partial)
    return revision


def backup_revision(url: str, path: Path) -> str:
    """The migration revision stored in a backup file; refuses anything that is not a Mentorloom backup."""
    revision = _sqlite_revision(path) if is_sqlite(url) else _pg_revision(path)
    if revision is None:
        raise MentorloomError(f"{path} is not a Mentorloom backup for this database (no migration revision in it).")
    if revision not in migrate.revisions():
        raise MentorloomError(
            f"{path} is at migration {revision}, which this version of Mentorloom does not know (a newer release?)."
        )
    return revision


def restore(url: str, source: Path) -> str:
    """Replace the database at `url` with the backup `source`, all at once; returns the backup's revision."""
    revision = backup_revision(url, source)
    if is_sqlite(url):
        target = _sqlite_path(url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(source, target)
    else:
        _pg_restore(url, source)
    return revision


# --- SQLite ---------------------------------------------------------------------------------------------


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise MentorloomError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(database)


def _sqlite_copy(source: Path, target: Path) -> None:
    """Copy with the online backup API: a consistent snapshot, written to `target` in one transaction."""
    if not source.exists():
        raise MentorloomError(f"{source} does not exist.")
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dst)
        finally:
            dst.close()
    except sqlite3.DatabaseError as exc:
        raise MentorloomError(f"{source}: {exc}") from exc
    finally:
        src.close()


def _sqlite_revision(path: Path) -> str | None:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            conn.close()
    except sqlite3.DatabaseError:  # not an SQLite file, or no alembic_version table
        return None
    return str(row[0]) if row else None


# --- PostgreSQL ------------------------------------------------------------------------------------------


def libpq_connection(url: str) -> tuple[str, dict[str, str]]:
    """The SQLAlchemy URL as a libpq URI without the password, and the environment that carries it.

    postgresql+psycopg://mentorloom:secret@db:5432/mentorloom -> postgresql://mentorloom@db:5432/mentorloom
    with PGPASSWORD=secret; query options such as ?sslmode=require are kept.
    """
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    plain = URL.create(
        "postgresql", parsed.username, None, parsed.host, parsed.port, parsed.database, parsed.query
    )  # URL.set() cannot drop a password: None there means "keep"
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise MentorloomError(
            f"{name} was not found on PATH. Install the PostgreSQL client tools of your server's major version "
            "(Debian/Ubuntu: apt-get install postgresql-client)."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=PG_TIMEOUT, check=False)
    if result.returncode != 0:
        raise MentorloomError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")
    return result


def _pg_dump(url: str, output: Path) -> None:
    target, env = libpq_connection(url)
    _run([_tool("pg_dump"), "--format=custom", f"--file={output}", f"--dbname={target}"], env)


def _pg_restore(url: str, source: Path) -> None:
    target, env = libpq_connection(url)
    # --single-transaction: all of the backup or, on any error, none of it (the old data stays)
    _run(
        [
            _tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={target}",
            str(source),
        ],
        env,
    )


_COPY_REVISION = re.compile(r"^COPY [\w.\"]*alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n", re.M)


def _pg_revision(path: Path) -> str | None:
    """Read alembic_version's row out of a custom-format dump (pg_restore prints the table's COPY data)."""
    command = [_tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if result.returncode != 0:
        return None  # not a pg_dump archive
    found = _COPY_REVISION.search(result.stdout)
    return found.group(1).strip() if found else None
