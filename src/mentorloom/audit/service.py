"""Recording audit events; reading them is in audit.queries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from mentorloom.audit.context import current_origin
from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.db import utcnow

if TYPE_CHECKING:
    from mentorloom.accounts.models import User


def record(
    session: Session,
    action: AuditAction,
    *,
    actor: User | None,
    target_type: str = "",
    target_id: int | None = None,
    program_id: int | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEvent:
    """Add one audit event (origin from the current request, job or CLI); the caller commits."""
    event = AuditEvent(
        at=utcnow(),
        actor_user_id=actor.id if actor is not None else None,
        action=AuditAction(action).value,
        target_type=target_type,
        target_id=target_id,
        program_id=program_id,
        origin=current_origin(),
        detail=dict(detail or {}),
    )
    session.add(event)
    session.flush()
    return event
