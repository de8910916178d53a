"""Alembic environment: the URL comes from the caller's config or from Settings."""

from alembic import context
from sqlalchemy.engine import Connection

from mentorloom.config import Settings
from mentorloom.db import create_db_engine
from mentorloom.models import Base

config = context.config
target_metadata = Base.metadata

# The resources' full-text search objects (SQLite: the FTS5 table resources_fts and its shadow tables
# resources_fts_data/_idx/_content/_docsize/_config; PostgreSQL: the expression index resources_fts_vector) are
# made by migration 0012 for one dialect each and are not part of the models: `alembic check` leaves them out.
FTS_PREFIX = "resources_fts"


def _include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (type_ in ("table", "index") and name is not None and name.startswith(FTS_PREFIX))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or Settings().sqlalchemy_url
    engine = create_db_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("Offline migrations are not supported; run `mentorloom db upgrade`.")
run_migrations_online()
