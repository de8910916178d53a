"""Reading the audit log: one filter for the page, its CSV export and the API."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from mentorloom.audit.models import AuditAction, AuditEvent
from mentorloom.pagination import PageSlice, paginate

if TYPE_CHECKING:
    from mentorloom.accounts.models import User

ORDER = (AuditEvent.at.desc(), AuditEvent.id.desc())
PERSON_MAX = 100


@dataclass(frozen=True)
class AuditFilter:
    action: AuditAction | None = None
    person: str = ""  # part of a name or e-mail address: the actor, or the person an event is about
    program_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def as_detail(self) -> dict[str, object]:
        """The filter as recorded with an export (the search text is kept: it is the admin's own input)."""
        return {
            "action": self.action.value if self.action else None,
            "person": self.person or None,
            "program_id": self.program_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(f: AuditFilter) -> Select[AuditEvent]:
    """The events that match every part of the filter (unordered)."""
    from mentorloom.accounts.models import User  # audit sits below accounts at import time

    query = select(AuditEvent)
    if f.action is not None:
        query = query.where(AuditEvent.action == f.action.value)
    if f.program_id is not None:
        query = query.where(AuditEvent.program_id == f.program_id)
    if f.since is not None:
        query = query.where(AuditEvent.at >= f.since)
    if f.until is not None:
        query = query.where(AuditEvent.at < f.until)
    person = f.person.strip()[:PERSON_MAX]
    if person:
        pattern = _like(person.lower())
        people = select(User.id).where(
            or_(User.email.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\"))
        )
        query = query.where(
            or_(
                AuditEvent.actor_user_id.in_(people),
                and_(AuditEvent.target_type == "user", AuditEvent.target_id.in_(people)),
            )
        )
    return query


def events_page(session: Session, f: AuditFilter, page: int, per_page: int, *, clamp: bool = False) -> PageSlice[Any]:
    """One page of matching events, newest first."""
    return paginate(session, filtered(f), page, per_page, order_by=ORDER, clamp=clamp)


def all_events(session: Session, f: AuditFilter) -> Iterator[AuditEvent]:
    """Every matching event, newest first, loaded in batches (for the CSV export)."""
    yield from session.scalars(filtered(f).order_by(*ORDER).execution_options(yield_per=500))


def people_of(session: Session, events: list[AuditEvent]) -> dict[int, User]:
    """The actors and the people events are about, by id, in one query."""
    from mentorloom.accounts.models import User

    ids = {e.actor_user_id for e in events if e.actor_user_id is not None}
    ids |= {e.target_id for e in events if e.target_type == "user" and e.target_id is not None}
    if not ids:
        return {}
    return {user.id: user for user in session.scalars(select(User).where(User.id.in_(ids)))}
