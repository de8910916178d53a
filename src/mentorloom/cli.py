"""The `mentorloom` command: serve, worker, db, backup, restore, demo, user, participants, match-csv."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from mentorloom.errors import MentorloomError

if TYPE_CHECKING:  # settings and the database load per command: match-csv --pairs needs neither
    from rich.progress import Progress

    from mentorloom.config import Settings
    from mentorloom.db import Database

app = typer.Typer(
    help="Mentorloom: run long-term mentoring programs.",
    no_args_is_help=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
user_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
participants_app = typer.Typer(help="Import and export participants as CSV.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")
app.add_typer(participants_app, name="participants")
console = Console(stderr=True, soft_wrap=True)


@app.callback()
def _audit_origin(ctx: typer.Context) -> None:
    # Every command's audit events say they came from the command line (the context closes after the command).
    from mentorloom.audit.context import CLI_ORIGIN, origin

    ctx.with_resource(origin(CLI_ORIGIN))


def _fail(exc: MentorloomError, code: int = 1) -> None:
    console.print(f"[red]Error:[/red] {exc.detail}")
    for error in exc.errors:
        where = ", ".join(f"{k} {error[k]}" for k in ("line", "column", "field") if error.get(k) is not None)
        console.print(f"  {where}: {error.get('message')}")
    raise typer.Exit(code)


def progress_bar() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=console
    )


def _readable(value: str) -> str:
    """An argument read from the command line: refused when it is not UTF-8 text (Python hands such bytes on as
    lone surrogates, which no database driver can send) or holds a NUL character."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise typer.BadParameter("not UTF-8 text (check the terminal's encoding).") from None
    if "\x00" in value:
        raise typer.BadParameter("remove the NUL character.")
    return value


Address = Annotated[str, typer.Argument(help="The person's e-mail address", metavar="EMAIL", callback=_readable)]


def _settings() -> Settings:
    from mentorloom.config import Settings

    return Settings()


def _database(url: str) -> Database:
    import mentorloom.models  # noqa: F401  (every table: an audit event's foreign keys name programs, users, ...)
    from mentorloom.db import Database

    return Database(url)


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    with_worker: Annotated[bool, typer.Option(help="Also start a job worker process")] = False,
    reload: bool = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Web processes; each builds its own app, engine and pool")
    ] = 1,
) -> None:
    """Serve the web app and API (uvicorn)."""
    import uvicorn

    from mentorloom.web.serving import proxy_options

    if reload and workers > 1:
        raise typer.BadParameter("--reload runs a single process; leave out --workers", param_hint="--workers")
    proxies = proxy_options(_settings())
    worker = _start_child_worker() if with_worker else None
    try:
        # An import string and factory=True: uvicorn's supervisor starts `workers` processes that each call
        # create_app() and so open their own database engine (a pool must never cross a fork).
        uvicorn.run(
            "mentorloom.app:create_app",
            factory=True,
            host=host,
            port=port,
            reload=reload,
            workers=workers,
            **proxies,
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=10)


def _start_child_worker() -> subprocess.Popen[bytes]:
    """The worker of `serve --with-worker`, which must not outlive the server however that ends.

    uvicorn re-raises the SIGTERM or SIGINT it caught once it has shut down, so the server process dies
    before any `finally` could stop the worker; on Linux the kernel therefore sends the worker SIGTERM the
    moment its parent dies (PR_SET_PDEATHSIG), which stops it gracefully.
    """
    return subprocess.Popen([sys.executable, "-m", "mentorloom", "worker"], preexec_fn=_die_with_parent)


def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


@app.command()
def worker(workers: Annotated[int, typer.Option(min=1, max=32)] = 2) -> None:
    """Run a background job consumer (SQLite queue, or Redis when MENTORLOOM_REDIS_URL is set)."""
    from huey.consumer import Consumer

    from mentorloom.jobs import JobQueue

    settings = _settings()
    # JobQueue imports every task module and model and configures the mappers before any thread consumes.
    queue = JobQueue(settings, _database(settings.sqlalchemy_url), immediate=False)
    recovered = queue.sweep_when_reachable()  # work a killed worker left behind, before new work
    console.print(
        f"Job worker on {'Redis' if settings.redis_url else 'SQLite'} with {workers} threads"
        f" ({recovered} stale jobs and mails recovered)"
    )
    Consumer(queue.huey, workers=workers, worker_type="thread", periodic=True).run()


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Apply migrations up to REVISION (default: the newest)."""
    from mentorloom import migrate

    migrate.upgrade(_settings().sqlalchemy_url, revision)
    console.print(f"Database at {migrate.current(_settings().sqlalchemy_url)}")


@db_app.command("downgrade")
def db_downgrade(
    revision: str = "base", yes: Annotated[bool, typer.Option("--yes", help="Confirm without asking")] = False
) -> None:
    """Revert migrations down to REVISION (default: an empty database). Destroys data."""
    from mentorloom import migrate

    if not yes:
        typer.confirm(f"Downgrade the database to {revision}? Data in dropped tables is lost.", abort=True)
    migrate.downgrade(_settings().sqlalchemy_url, revision)
    console.print(f"Database at {migrate.current(_settings().sqlalchemy_url) or 'base'}")


@db_app.command("current")
def db_current() -> None:
    """Print the applied migration revision."""
    from mentorloom import migrate

    typer.echo(migrate.current(_settings().sqlalchemy_url) or "base")


@app.command()
def backup(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: var/backups/mentorloom-<time>.*)")
    ] = None,
) -> None:
    """Back up the database while Mentorloom runs (SQLite: online backup API; PostgreSQL: pg_dump)."""
    from mentorloom import backup as backups

    settings = _settings()
    url = settings.sqlalchemy_url
    target = output or backups.default_backup_path(url, settings.var_dir)
    try:
        revision = backups.backup(url, target)
    except MentorloomError as exc:
        _fail(exc)
    console.print(f"Backup of the database at migration {revision} written to {target}")
    typer.echo(str(target))


@app.command()
def restore(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A file written by `mentorloom backup`")],
    yes: Annotated[bool, typer.Option("--yes", help="Confirm without asking")] = False,
) -> None:
    """Replace the whole database with a backup. Stop the web and worker processes first."""
    from mentorloom import backup as backups
    from mentorloom import migrate

    url = _settings().sqlalchemy_url
    try:
        revision = backups.backup_revision(url, path)
        if not yes:
            question = f"Replace ALL data in the database with {path} (migration {revision})?"
            typer.confirm(f"{question} Changes made since the backup are lost.", abort=True)
        backups.restore(url, path)
    except MentorloomError as exc:
        _fail(exc)
    current = migrate.current(url)
    console.print(f"Restored {path}; the database is at migration {current}.")
    if current != migrate.head():
        console.print("Run `mentorloom db upgrade` to bring it to this version's schema.")


@app.command()
def demo() -> None:
    """Load the demo program and accounts (safe to run again: nothing is duplicated)."""
    from mentorloom.demo import DEMO_LOGINS, load_demo
    from mentorloom.jobs import schedule

    settings = _settings()
    database = _database(settings.sqlalchemy_url)
    _job_queue(settings, database)
    with database.session() as session:
        created = load_demo(session, settings)
        if created:
            schedule(session, "profiles.embed", program_id=created)
    console.print("Demo data loaded." if created else "Demo data already present.")
    typer.echo(f"Demo logins (password for all: {DEMO_LOGINS['password']}):")
    for role, email in DEMO_LOGINS["accounts"]:
        typer.echo(f"  {role:<12} {email}")
    typer.echo("mentor@ and mentee@ already have a mentorship; tom@ and amira@ are waiting to be matched.")


@user_app.command("create-admin")
def create_admin(
    email: Address,
    name: Annotated[str, typer.Option(help="Display name", callback=_readable)] = "Administrator",
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)] = "",
) -> None:
    """Create an instance administrator (or make an existing account one)."""
    from mentorloom.accounts.service import create_admin as create

    try:
        with _database(_settings().sqlalchemy_url).session() as session:
            user = create(session, email=email, display_name=name, password=password)
            typer.echo(f"Administrator {user.email} is ready.")
    except MentorloomError as exc:
        _fail(exc)


@user_app.command("export")
def user_export(
    email: Address,
    out: Annotated[Path, typer.Option("--out", "-o", help="Zip file to write")] = Path("mentorloom-data.zip"),
) -> None:
    """Write a person's data export (the zip they download from "Your data"), e.g. to answer a request by mail."""
    from mentorloom.accounts.service import user_by_email
    from mentorloom.outfiles import output_file
    from mentorloom.privacy.service import export_zip
    from mentorloom.templating import build_environment

    try:  # the file is written inside the transaction: when it cannot be, the export is not recorded either
        with _database(_settings().sqlalchemy_url).session() as session, output_file(out, "export") as partial:
            user = user_by_email(session, email)
            if user is None:
                console.print(f"[red]Error:[/red] no account with the address {email}")
                raise typer.Exit(1)
            partial.write_bytes(export_zip(session, build_environment(), user))  # audited with origin "cli"
    except MentorloomError as exc:
        _fail(exc)
    console.print(f"Wrote {out}")


@user_app.command("erase")
def user_erase(
    email: Address, yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False
) -> None:
    """Erase a person: anonymised, signed out for good, their own words removed; program figures stay."""
    from mentorloom.accounts.service import user_by_email
    from mentorloom.privacy.erasure import erase_person

    if not yes:
        typer.confirm(f"Erase {email}? This cannot be undone.", abort=True)
    try:
        with _database(_settings().sqlalchemy_url).session() as session:
            user = user_by_email(session, email)
            if user is None:
                console.print(f"[red]Error:[/red] no account with the address {email}")
                raise typer.Exit(1)
            outcome = erase_person(session, user, by=None)  # audited with origin "cli"
            typer.echo(
                f"{email} was erased before." if outcome.already else f"Erased {email}: now {user.display_name}."
            )
    except MentorloomError as exc:
        _fail(exc)


@app.command()
def retention() -> None:
    """Apply retention now (the worker does it daily): anonymise ended mentorships past their program's period."""
    from sqlalchemy import select

    from mentorloom.db import utcnow
    from mentorloom.privacy.retention import apply_retention
    from mentorloom.programs.models import Program

    mentorships = people = 0
    with _database(_settings().sqlalchemy_url).session() as session:
        for program_id in list(session.scalars(select(Program.id).order_by(Program.id))):
            outcome = apply_retention(session, session.get_one(Program, program_id), utcnow())
            session.commit()  # one program at a time, as the job does
            mentorships, people = mentorships + outcome.mentorships, people + outcome.people
    typer.echo(f"Anonymised {mentorships} mentorships; erased {people} people.")


@participants_app.command("import")
def participants_import(program_id: int, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import participants from a CSV file into a program: all rows, or none if any row is bad."""
    from mentorloom.profiles.import_jobs import import_upload

    data = file.read_bytes()
    settings = _settings()
    database = _database(settings.sqlalchemy_url)
    _job_queue(settings, database)  # wakes the worker for the embeddings once the import commits
    try:
        with database.session() as session, progress_bar() as bar:
            task = bar.add_task("Importing", total=None)
            outcome = import_upload(
                session,
                program_id,
                None,
                file.name,
                data,
                progress=lambda done, total: bar.update(task, completed=done, total=total),
            )
    except MentorloomError as exc:
        _fail(exc, code=2)
    assert outcome.summary is not None
    typer.echo(f"Imported: {outcome.summary.as_dict()}")


def _job_queue(settings: Settings, database: Database) -> None:
    """Attach the queue so jobs scheduled by a command wake a running worker (the sweeper would, a minute later)."""
    from mentorloom.jobs import JobQueue

    JobQueue(settings, database)


@participants_app.command("export")
def participants_export(
    program_id: int,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="File (default: stdout)")] = None,
) -> None:
    """Export a program's participants as CSV."""
    from mentorloom.outfiles import output_file
    from mentorloom.profiles.importer import export_participants

    try:  # the file is written inside the transaction: when it cannot be, the export is not recorded either
        with _database(_settings().sqlalchemy_url).session() as session:
            text = export_participants(session, program_id)  # recorded in the audit log with origin "cli"
            if out is not None:
                with output_file(out, "participants CSV") as partial:
                    partial.write_text(text, encoding="utf-8")
    except MentorloomError as exc:
        _fail(exc)
    if out is None:
        sys.stdout.write(text)
    else:
        console.print(f"Wrote {out}")


@app.command("match-csv")
def match_csv(
    out: Annotated[Path, typer.Option("--out", help="Where to write matches.csv")],
    mentors: Annotated[Path | None, typer.Option(help="Participant CSV of the mentors")] = None,
    mentees: Annotated[Path | None, typer.Option(help="Participant CSV of the mentees")] = None,
    pairs: Annotated[Path | None, typer.Option(help="mentee_id,mentor_id,score: the only allowed pairs")] = None,
    capacities: Annotated[Path | None, typer.Option(help="mentor_id,capacity")] = None,
    mode: Annotated[str, typer.Option(help="optimal or stable")] = "optimal",
    text_encoder: Annotated[
        str | None,
        typer.Option(
            help='Text and tag encoder for --mentors/--mentees: "use" (multilingual) or "tfidf" (fallback); '
            "default: the instance's MENTORLOOM_TEXT_ENCODER"
        ),
    ] = None,
) -> None:
    """Match from files: either two participant CSVs (--mentors, --mentees) or --pairs with --capacities.

    Writes matches.csv (mentee_id,mentor_id,score; mentor empty when unmatched) and prints one line of JSON.
    Bad files: an error naming file, line and column, exit code 2, and no output file.
    """
    import json

    from mentorloom.matching.filematch import run_file_match

    if mode not in ("optimal", "stable"):
        _fail(MentorloomError(f'--mode must be "optimal" or "stable", not "{mode}"'), code=2)
    try:
        if mentors is not None and mentees is not None and pairs is None:
            from mentorloom.matching.profile_files import match_profile_files

            encoder = text_encoder or _settings().text_encoder
            if encoder not in ("use", "tfidf"):
                raise MentorloomError(f'--text-encoder must be "use" or "tfidf", not "{encoder}"')
            summary = match_profile_files(mentors, mentees, out, mode, encoder)
        elif pairs is not None and capacities is not None and mentors is None and mentees is None:
            summary = run_file_match(pairs, capacities, out, mode)
        else:
            raise MentorloomError("give either --mentors and --mentees, or --pairs and --capacities")
    except MentorloomError as exc:
        _fail(exc, code=2)
    except OSError as exc:
        _fail(MentorloomError(f"{exc.filename}: {exc.strerror}"), code=2)
    typer.echo(json.dumps(summary))


def main() -> None:
    app()
