from sqlalchemy.orm import Session

from tests.factories import make_program


def test_program_roundtrip(db_session: Session) -> None:
    program = make_program(db_session, name="Smoke")
    assert program.id is not None
