"""Engine and session factory, created by the app factory or a CLI command, never at import."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect, MetaData, TypeDecorator, create_engine, event, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Session, sessionmaker

# Named constraints keep Alembic's SQLite batch migrations and PostgreSQL in step.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp on every database: SQLite returns naive values, so attach UTC on load."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return value.astimezone(UTC) if value is not None and value.tzinfo else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return as_utc(value) if value is not None else None


def lock_row(session: Session, column: InstrumentedAttribute[Any], row_id: int) -> None:
    """Serialise writers on one row until the transaction ends: a no-op UPDATE of `column` on the row `row_id`.

    On PostgreSQL it takes the row's lock (FOR NO KEY UPDATE: rows that merely reference it are not held up). On
    SQLite, where SELECT ... FOR UPDATE is ignored, the first write takes the database's write lock, so the check
    and the insert that follow see what a writer before them committed instead of racing it.
    """
    model = column.class_
    session.execute(
        update(model)
        .where(model.id == row_id)
        .values({column.key: column})
        .execution_options(synchronize_session=False)
    )


def as_utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone=True columns; we always store UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# Connections beyond the request slots, for work outside the request line (health checks, error pages).
POOL_OVERFLOW = 2


def create_db_engine(
    url: str, *, pool_size: int | None = None, pool_timeout: float | None = None, **kwargs: Any
) -> Engine:
    """An engine with the SQLite pragmas we rely on (WAL, foreign keys, busy timeout).

    With ``pool_size`` the pool is sized to match the web process's request slots and waits at most
    ``pool_timeout`` seconds for a connection (SQLAlchemy's default of 30 s made every request hang).
    """
    if ":memory:" not in url:  # an in-memory SQLite database has a single-connection pool
        if pool_size is not None:
            kwargs.setdefault("pool_size", pool_size)
            kwargs.setdefault("max_overflow", POOL_OVERFLOW)
        if pool_timeout is not None:
            kwargs.setdefault("pool_timeout", pool_timeout)
    # A pooled connection may have died with a database restart: test it on checkout and reconnect, so the
    # first request after the restart succeeds instead of failing on a dead socket.
    kwargs.setdefault("pool_pre_ping", True)
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
        _ensure_sqlite_dir(url)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "savepoint", _sqlite_begin_before_savepoint)
    return engine


def _ensure_sqlite_dir(url: str) -> None:
    from pathlib import Path

    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_before_savepoint(connection: Any, _name: str | None) -> None:
    """Open the real transaction before a savepoint that would otherwise be the transaction's first statement.

    The driver starts a transaction only at the first write, so a SAVEPOINT taken before any write opened a
    transaction of its own, and releasing it committed for good: a request that failed after a form's savepoint
    kept that change. Beginning every transaction explicitly (SQLAlchemy's general recipe) fixes that too, but
    then a read-only start holds a WAL snapshot that cannot be upgraded to a write once another request has
    committed ("database is locked" at once, whatever the busy timeout): under load that turned into errors.
    """
    dbapi_connection = connection.connection.dbapi_connection
    if not dbapi_connection.in_transaction:
        # IMMEDIATE: a savepoint is taken to write, so take the write lock now (waiting up to the busy timeout)
        # rather than fail when a read snapshot cannot be upgraded
        dbapi_connection.execute("BEGIN IMMEDIATE")


# SQLSTATEs of a server going away or not there yet: admin/crash shutdown, "starting up"; class 08 is connection loss.
_UNAVAILABLE_STATES = frozenset({"57P01", "57P02", "57P03"})


def database_unavailable(exc: BaseException) -> bool:
    """Whether `exc` means the database could not be reached (down, restarting), not that a statement failed.

    Such a request or job did not commit (the transaction died with its connection) and may simply be retried.
    """
    if isinstance(exc, DisconnectionError):
        return True
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None)
    if state:
        return state.startswith("08") or state in _UNAVAILABLE_STATES
    # No SQLSTATE: the server never answered (connection refused or reset). SQLite's errors carry none
    # either, but they are about the file (locked, corrupt), which a retry in a minute does not mend.
    return isinstance(exc, OperationalError | InterfaceError) and not type(exc.orig).__module__.startswith("sqlite3")


class Database:
    """Owns one engine and hands out sessions; the edge (request, job, CLI) commits."""

    def __init__(self, url: str, *, pool_size: int | None = None, pool_timeout: float | None = None) -> None:
        self.url = url
        self.pool_size = pool_size
        self.engine = create_db_engine(url, pool_size=pool_size, pool_timeout=pool_timeout)
        self.session_factory = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work: commit when the block succeeds, roll back when it raises."""
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
        with self.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True

    def dispose(self) -> None:
        self.engine.dispose()
