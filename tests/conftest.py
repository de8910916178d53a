"""Shared fixtures: every database test runs on SQLite and on PostgreSQL, each in a rolled-back transaction."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database, create_db_engine

PG_ADMIN_URL = os.environ.get("MENTORLOOM_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"
BACKENDS = ["sqlite", "postgresql"]


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


def require_or_skip(available: bool, what: str) -> None:
    """Under CI=true a missing service fails the run; elsewhere the test skips loudly."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required under CI=true but is not available", pytrace=False)
    pytest.skip(f"!!! {what} not available: SKIPPING (this would fail under CI=true)")


@pytest.fixture(scope="session")
def _pg_database(worker_id: str) -> Iterator[str]:
    require_or_skip(_postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    name = f"mentorloom_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    migrate.upgrade(url)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture(params=BACKENDS, scope="session")
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated database URL, once per backend and test worker."""
    fixture = "_pg_database" if request.param == "postgresql" else "_sqlite_database"
    return str(request.getfixturevalue(fixture))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = create_db_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture()
def db_session(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; commits become savepoints."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    # pytest-xdist provides this fixture; without it we run as the only worker.
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty, unmigrated database of each backend, dropped afterwards (for code that commits)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'm.db'}"
        return
    yield from _fresh_postgres()


def _migrated(url: str) -> Iterator[Database]:
    migrate.upgrade(url)
    database = Database(url, pool_size=12)
    yield database
    database.dispose()


@pytest.fixture()
def racing_database(fresh_database_url: str) -> Iterator[Database]:
    """A migrated database of each backend with a pool for threads that race each other on real connections."""
    yield from _migrated(fresh_database_url)


@pytest.fixture()
def pg_database(fresh_postgres_url: str) -> Iterator[Database]:
    """A migrated PostgreSQL database for races that need row locks between real connections."""
    yield from _migrated(fresh_postgres_url)


@pytest.fixture()
def fresh_postgres_url() -> Iterator[str]:
    """An empty PostgreSQL database, for races that need real concurrent connections (SQLite has one writer)."""
    yield from _fresh_postgres()


def _fresh_postgres() -> Iterator[str]:
    require_or_skip(_postgres_available(), "PostgreSQL at 127.0.0.1:5432")
    name = f"mentorloom_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


# --- the web app, wired to the test transaction -------------------------------------------------


class SharedConnectionDatabase:
    """A Database whose units of work are savepoints on the test's connection.

    Requests and jobs each get their own Session (as in production) but all see, and roll back
    with, the test's outer transaction.
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.engine = self.connection.engine
        self.url = str(self.engine.url)
        self.session_factory = sessionmaker(
            bind=self.connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )

    @contextmanager
    def session(self) -> Iterator[Session]:
        session = self.session_factory()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        self.connection.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        pass


@pytest.fixture()
def settings(tmp_path: Path) -> Settings:
    return Settings(
        var_dir=tmp_path / "var",
        secret_key="test-secret",
        jobs_immediate=True,
        base_url="http://testserver",
        text_encoder="tfidf",
        login_rate_limit="1000/minute",
        reset_rate_limit="1000/minute",
    )


@pytest.fixture()
def app(settings: Settings, db_session: Session) -> FastAPI:
    from mentorloom.app import create_app
    from mentorloom.jobs import JobQueue

    database = SharedConnectionDatabase(db_session)
    return create_app(settings, database=database, jobs=JobQueue(settings, database, immediate=True))  # type: ignore[arg-type]


@pytest.fixture()
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture()
def anyio_backend() -> str:
    return "asyncio"
