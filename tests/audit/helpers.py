"""Reading back the audit events a test caused."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.audit.models import AuditAction, AuditEvent


def events(session: Session, action: AuditAction, **where: object) -> list[AuditEvent]:
    """The events of one action (oldest first) whose columns equal `where`."""
    session.expire_all()
    query = select(AuditEvent).where(AuditEvent.action == action.value).order_by(AuditEvent.id)
    for column, value in where.items():
        query = query.where(getattr(AuditEvent, column) == value)
    return list(session.scalars(query))


def one(session: Session, action: AuditAction, **where: object) -> AuditEvent:
    found = events(session, action, **where)
    assert len(found) == 1, [(e.action, e.target_type, e.target_id, e.detail) for e in found]
    return found[0]


def as_text(event: AuditEvent) -> str:
    """Every stored value of an event, for "this secret appears nowhere" checks."""
    return json.dumps(
        [event.action, event.target_type, event.target_id, event.program_id, event.origin, event.detail], default=str
    )
