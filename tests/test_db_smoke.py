from sqlalchemy.orm import Session

from tests.factories import make_program


def test_program_roundtrip(db_session: Session) -> None:
    program = make_program(db_session, name="Smoke")
    assert program.id is not None


def test_a_released_savepoint_is_undone_with_its_transaction(fresh_database_url: str) -> None:
    """A savepoint taken before the transaction's first write must not commit on release (SQLite's driver did)."""
    from sqlalchemy import func, select

    from mentorloom import migrate
    from mentorloom.db import Database
    from mentorloom.programs.models import Program

    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    try:
        with database.session_factory() as session:
            with session.begin_nested():  # the first statement of the transaction, as in a form's savepoint
                make_program(session, name="Half-way")
            session.rollback()  # the request fails after the savepoint
        with database.session_factory() as session:
            assert session.scalar(select(func.count()).select_from(Program)) == 0
    finally:
        database.dispose()
