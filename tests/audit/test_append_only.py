"""The audit log is append-only: the ORM refuses to change or delete an event, and so does the database."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from mentorloom.audit.context import origin
from mentorloom.audit.models import AuditAction, AuditEvent, AuditLogImmutable
from mentorloom.audit.service import record
from tests.factories import make_user


def _event(session: Session) -> AuditEvent:
    with origin("203.0.113.9"):
        event = record(session, AuditAction.SIGN_IN, actor=make_user(session), target_type="user", detail={"a": 1})
    assert event.id is not None and event.origin == "203.0.113.9" and event.at.tzinfo is not None
    return event


def test_the_orm_refuses_an_update(db_session: Session) -> None:
    event = _event(db_session)
    event.action = AuditAction.SIGN_OUT.value
    with pytest.raises(AuditLogImmutable):
        db_session.flush()
    db_session.rollback()


def test_the_orm_refuses_a_delete(db_session: Session) -> None:
    event = _event(db_session)
    db_session.delete(event)
    with pytest.raises(AuditLogImmutable):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET action = 'sign_out' WHERE id = :id",
        "UPDATE audit_events SET detail = '{}' WHERE id = :id",
        "DELETE FROM audit_events WHERE id = :id",
        "DELETE FROM audit_events",
    ],
)
def test_raw_sql_cannot_change_or_delete_an_event(db_session: Session, statement: str) -> None:
    event = _event(db_session)
    event_id = event.id
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text(statement), {"id": event_id})
    db_session.expire_all()
    kept = db_session.get(AuditEvent, event_id)
    assert kept is not None and kept.action == "sign_in" and kept.detail == {"a": 1}


def test_postgresql_refuses_truncate_too(db_session: Session) -> None:
    if db_session.get_bind().dialect.name != "postgresql":
        return  # SQLite has no TRUNCATE; its DELETE without WHERE is refused above
    _event(db_session)
    with pytest.raises(DBAPIError, match="append-only"), db_session.begin_nested():
        db_session.execute(text("TRUNCATE audit_events"))


def test_inserting_still_works_after_a_refusal(db_session: Session) -> None:
    first = _event(db_session)
    with pytest.raises(DBAPIError), db_session.begin_nested():
        db_session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": first.id})
    second = _event(db_session)
    assert second.id > first.id
