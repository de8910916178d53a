"""Alembic environment: the URL comes from the caller's config or from Settings."""

from alembic import context
from sqlalchemy.engine import Connection

from mentorloom.config import Settings
from mentorloom.db import create_db_engine
from mentorloom.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite can only ALTER through table copies
        compare_type=True,
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
