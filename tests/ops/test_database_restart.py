"""PostgreSQL restarted and stopped under load: 503 (never 500) while it is away, recovery without an app restart.

The test runs its own cluster (tests/ops/pgcluster.py), a real uvicorn server in a thread, a real
`mentorloom worker` process, and client threads that import participant files (each file all rows or none)
and read pages and the API while the database restarts (`pg_ctl restart -m fast`) and then stays down for a
while. Afterwards every file is fully imported or not at all, every background import job finished (a job
that lost its connection runs again instead of failing for good), and the same app answers 200 again.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import create_engine, func, select, text

from mentorloom import migrate
from mentorloom.accounts.models import User
from mentorloom.accounts.service import start_session
from mentorloom.config import Settings
from mentorloom.db import Database, utcnow
from mentorloom.jobs import JobContext, schedule
from mentorloom.jobs.models import Job, JobState
from mentorloom.jobs.registry import REGISTRY, JobSpec
from mentorloom.jobs.runner import run_job
from mentorloom.profiles.models import ImportJob, ImportStatus
from mentorloom.programs.models import Membership
from mentorloom.web.csrf import SESSION_COOKIE
from tests.conftest import require_or_skip
from tests.factories import make_program, make_token
from tests.jobs.worker_harness import start_worker, stop, wait_for, worker_settings
from tests.matching.helpers import coordinator_user
from tests.ops.pgcluster import PgCluster, cluster_tools_available
from tests.web.conftest import _free_port

pytestmark = pytest.mark.slow

ROWS = 12  # participants per imported file
ALLOWED = {200, 202, 503}  # 503 only while the database is away; never 500, never a dropped connection


@pytest.fixture()
def cluster() -> Iterator[PgCluster]:
    require_or_skip(cluster_tools_available(), "PostgreSQL server binaries (initdb, pg_ctl) and a postgres user")
    pg = PgCluster()
    try:
        pg.start()
        migrate.upgrade(pg.url)
        yield pg
    finally:
        pg.destroy()  # pg_ctl stop -m immediate, whatever state the test left it in


class Server:
    """The app in a real uvicorn server (its own event loop and thread pool), as `mentorloom serve` runs it."""

    def __init__(self, settings: Settings) -> None:
        from mentorloom.app import create_app

        self.port = _free_port()
        self.app = create_app(settings)
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        wait_for(lambda: self.server.started, 20, "uvicorn to start")
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@dataclass
class Seed:
    program_id: int
    api: dict[str, str]
    cookie: str


def _seed(database: Database) -> Seed:
    with database.session() as session:
        program = make_program(session, name="Restart program")
        user = coordinator_user(session, program)
        return Seed(program.id, make_token(session, user), start_session(session, user, 1))


def _csv(batch: str) -> bytes:
    lines = ["email,name,role"] + [f"{batch}-{n}@example.org,Person {batch} {n},mentee" for n in range(ROWS)]
    return ("\n".join(lines) + "\n").encode()


@dataclass
class Load:
    """Client threads hammering the server; every answer (or transport error) is recorded."""

    url: str
    seed: Seed
    statuses: Counter[int] = field(default_factory=Counter)
    bad: list[str] = field(default_factory=list)
    imports: dict[str, int] = field(default_factory=dict)  # file batch -> status
    background: list[int] = field(default_factory=list)  # import job ids answered 202
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, what: str, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code not in ALLOWED:
                self.bad.append(f"{what}: {response.status_code} {response.text[:300]}")
            elif response.status_code == 503:
                self._check_503(what, response)
        if response.status_code == 503:
            time.sleep(0.1)  # a real client would wait Retry-After; a short pause keeps the outage busy enough

    def _check_503(self, what: str, response: httpx.Response) -> None:
        if response.headers.get("retry-after") is None:
            self.bad.append(f"{what}: 503 without Retry-After")
        if what.startswith("api") and response.headers.get("content-type") != "application/problem+json":
            self.bad.append(f"{what}: 503 not problem+json")

    def thread(self, target: Callable[..., None], *args: object) -> threading.Thread:
        def guarded() -> None:
            try:
                target(*args)
            except BaseException as exc:  # a dead client thread must fail the test, not go quiet
                self.bad.append(f"client thread died: {exc!r}")

        return threading.Thread(target=guarded, daemon=True)

    def importer(self, worker: int) -> None:
        base = f"/api/v1/programs/{self.seed.program_id}/participants/import"
        with httpx.Client(base_url=self.url, headers=self.seed.api, timeout=30) as client:
            for n in range(10_000):
                if self.stop.is_set():
                    return
                batch = f"w{worker}b{n}"
                background = n % 4 == 3  # every fourth file goes to the worker process as a job
                try:
                    response = client.post(base, params={"background": background}, content=_csv(batch))
                except httpx.HTTPError as exc:
                    self.bad.append(f"api import {batch}: {exc!r}")
                    continue
                self.record(f"api import {batch}", response)
                with self.lock:
                    self.imports[batch] = response.status_code
                    if response.status_code == 202:
                        self.background.append(response.json()["id"])

    def reader(self) -> None:
        paths = [("api", f"/api/v1/programs/{self.seed.program_id}"), ("page", f"/programs/{self.seed.program_id}")]
        with httpx.Client(base_url=self.url, headers=self.seed.api, timeout=30) as client:
            client.cookies.set(SESSION_COOKIE, self.seed.cookie)
            while not self.stop.is_set():
                for kind, path in paths:
                    try:
                        self.record(f"{kind} {path}", client.get(path))
                    except httpx.HTTPError as exc:
                        self.bad.append(f"{kind} {path}: {exc!r}")


def _people_of(database: Database, batch: str) -> int:
    with database.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(Membership)
                .join(User, User.id == Membership.user_id)
                .where(User.email.like(f"{batch}-%"))
            )
            or 0
        )


def _wait(load: Load, predicate: Callable[[], bool], what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline or load.bad:
            raise AssertionError(f"waiting for {what}: answers {dict(load.statuses)}, problems {load.bad[:5]}")
        time.sleep(0.05)


def _restart_under_load(cluster: PgCluster, url: str, seed: Seed) -> tuple[Load, int]:
    """Restart the database, then stop it for two seconds, while three clients keep going; 503s in the outage."""
    load = Load(url, seed)
    threads = [load.thread(load.importer, n) for n in range(2)] + [load.thread(load.reader)]
    for thread in threads:
        thread.start()
    try:
        _wait(load, lambda: load.statuses[200] >= 10, "the first successful requests")
        cluster.restart("fast")  # connections die mid-request; the pool reconnects
        time.sleep(1.0)
        before_outage = load.statuses[503]
        cluster.stop("fast")
        time.sleep(2.0)  # requests meanwhile answer 503
        during_outage = load.statuses[503] - before_outage
        cluster.start()
        ok_before = load.statuses[200]
        _wait(load, lambda: load.statuses[200] >= ok_before + 10, "requests to succeed again")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    return load, during_outage


def test_restart_and_outage_under_load(cluster: PgCluster, tmp_path: Path) -> None:
    settings = worker_settings(
        tmp_path, cluster.url, None, _free_port(), db_pool_size=4, job_lease_seconds=20, api_rate_limit="100000/minute"
    )
    checker = Database(cluster.url)
    seed = _seed(checker)
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        with Server(settings) as server:
            load, during_outage = _restart_under_load(cluster, server.url, seed)
            # the same app, never recreated: every kind of request succeeds again
            with httpx.Client(base_url=server.url, headers=seed.api, timeout=30) as client:
                client.cookies.set(SESSION_COOKIE, seed.cookie)
                assert client.get(f"/api/v1/programs/{seed.program_id}").status_code == 200
                assert client.get(f"/programs/{seed.program_id}").status_code == 200
                assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
                after = client.post(f"/api/v1/programs/{seed.program_id}/participants/import", content=_csv("after"))
                assert after.status_code == 200, after.text
        assert load.bad == [], load.bad[:10]
        assert during_outage > 0, load.statuses  # the stopped database was noticed, and answered with 503
        assert _people_of(checker, "after") == ROWS

        # nothing half-written: each file is there with all its rows, or not at all (a 503 means the
        # transaction died with its connection; only a commit whose answer was lost could leave all rows)
        for batch, status in load.imports.items():
            people = _people_of(checker, batch)
            assert people in (0, ROWS), f"{batch}: {people} of {ROWS} rows after answer {status}"
            if status == 200:
                assert people == ROWS, batch

        # background imports caught by the restart ran again rather than failing for good
        def jobs_done() -> bool:
            with checker.session() as session:
                return all(session.get_one(ImportJob, job_id).status is ImportStatus.DONE for job_id in load.background)

        wait_for(jobs_done, 90, "every background import to finish", tmp_path / "worker.log")
        with checker.session() as session:
            assert session.scalar(select(func.count()).where(Job.state == JobState.FAILED)) == 0
            for job_id in load.background:
                import_job = session.get_one(ImportJob, job_id)
                assert import_job.summary is not None and import_job.summary.get("created") == ROWS, import_job.summary
    finally:
        stop(worker)
        checker.dispose()


def test_stopped_database_makes_healthz_and_pages_answer_503(cluster: PgCluster, tmp_path: Path) -> None:
    settings = Settings(
        var_dir=tmp_path / "var", database_url=cluster.url, secret_key="k", jobs_immediate=True, text_encoder="tfidf"
    )
    checker = Database(cluster.url)
    seed = _seed(checker)
    checker.dispose()
    with Server(settings) as server, httpx.Client(base_url=server.url, timeout=30) as client:
        client.cookies.set(SESSION_COOKIE, seed.cookie)
        assert client.get("/healthz").status_code == 200
        assert client.get(f"/programs/{seed.program_id}").status_code == 200
        cluster.restart("fast")  # the pooled connections are dead now; pre-ping notices before a request uses one
        assert client.get(f"/programs/{seed.program_id}").status_code == 200
        cluster.stop("fast")
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json() == {"status": "error", "database": "down"}
        page = client.get(f"/programs/{seed.program_id}")
        assert page.status_code == 503, page.text[:500]
        assert page.headers["retry-after"] == "5"
        assert "text/html" in page.headers["content-type"]
        assert "Temporarily unavailable" in page.text and "cannot reach its database" in page.text
        german = client.get(f"/programs/{seed.program_id}", headers={"Accept-Language": "de"})
        assert german.status_code == 503 and "Datenbank" in german.text
        api = client.get(f"/api/v1/programs/{seed.program_id}", headers=seed.api)
        assert api.status_code == 503 and api.headers["content-type"] == "application/problem+json"
        assert api.json()["title"] == "Temporarily unavailable" and api.headers["retry-after"] == "5"
        cluster.start()
        assert client.get("/healthz").status_code == 200  # the pool reconnects by itself
        assert client.get(f"/programs/{seed.program_id}").status_code == 200


def _write_then_wait(ctx: JobContext, *, batch: str, waits: list[bool]) -> None:
    """Several rows in one transaction; on the first run it then waits in the database for the restart."""
    with ctx.database.session() as session:
        for n in range(ROWS):
            session.add(User(email=f"{batch}-{n}@example.org", display_name=f"Job {n}"))
        session.flush()
        if waits.pop(0):
            session.execute(text("SELECT pg_sleep(60)"))


def test_a_job_cut_off_by_a_restart_runs_again_without_spending_its_attempt(cluster: PgCluster, tmp_path: Path) -> None:
    first_run = [True, False]
    REGISTRY[SLOW_JOB] = JobSpec(SLOW_JOB, partial(_write_then_wait, waits=first_run), max_attempts=1)
    database = Database(cluster.url)
    try:
        with database.session() as session:
            job_id = schedule(session, SLOW_JOB, batch="cut").id
        offset = [timedelta(0)]
        settings = Settings(var_dir=tmp_path, database_url=cluster.url, secret_key="k", job_lease_seconds=20)
        ctx = JobContext(settings, database, clock=lambda: utcnow() + offset[0])
        outcome: list[str] = []
        runner = threading.Thread(target=lambda: outcome.append(run_job(ctx, job_id)), daemon=True)
        runner.start()
        wait_for(lambda: _sleeping_in_database(cluster), 30, "the job to wait inside its transaction")
        cluster.restart("fast")
        runner.join(timeout=60)
        with database.session() as session:
            job = session.get_one(Job, job_id)
            # one attempt allowed, yet not failed for good: losing the database was not the job's fault
            assert outcome == ["retry"] and job.state is JobState.QUEUED and job.attempts == 0, job.last_error
            assert "OperationalError" in job.last_error
        assert _users_of(database, "cut") == 0  # its transaction died with the connection: no row of it stayed

        offset[0] = timedelta(seconds=11)  # past the short retry delay
        assert run_job(ctx, job_id) == "done"
        assert _users_of(database, "cut") == ROWS
        with database.session() as session:
            assert session.get_one(Job, job_id).attempts == 1
    finally:
        REGISTRY.pop(SLOW_JOB, None)
        database.dispose()


SLOW_JOB = "tests.ops.write_then_wait"


def _users_of(database: Database, batch: str) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).where(User.email.like(f"{batch}-%"))) or 0


def _sleeping_in_database(cluster: PgCluster) -> bool:
    engine = create_engine(cluster.url)
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%'")
            return bool(conn.execute(query).scalar())
    finally:
        engine.dispose()


def test_a_worker_started_while_the_database_is_down_waits_for_it(cluster: PgCluster, tmp_path: Path) -> None:
    settings = worker_settings(tmp_path, cluster.url, None, _free_port(), job_lease_seconds=20)
    log = tmp_path / "worker.log"
    cluster.stop("fast")
    worker = start_worker(settings, log)
    try:
        wait_for(lambda: "database unreachable" in log.read_text(errors="replace"), 60, "the worker to notice", log)
        assert worker.poll() is None, log.read_text(errors="replace")[-2000:]  # it waits; it did not exit
        cluster.start()
        wait_for(lambda: "Job worker on" in log.read_text(errors="replace"), 60, "the worker to start working", log)
        assert worker.poll() is None
    finally:
        stop(worker)
