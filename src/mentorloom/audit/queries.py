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
PEOPLE_RECORDED = 100  # ids of the people a search found, recorded with an export


@dataclass(frozen=True)
class AuditFilter:
    action: AuditAction | None = None
    person: str = ""  # part of a name or e-mail address: the actor, or the person an event is about
    program_id: int | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    def as_detail(self, session: Session) -> dict[str, object]:
        """The filter as recorded with an export. The person search is kept as the ids of the people it found,
        never as typed: the log is append-only, and a typed name or address would outlive that person's erasure."""
        found: list[int] | None = None
        if self.person.strip():
            people = _people(self.person).subquery()
            found = list(session.scalars(select(people.c.id).order_by(people.c.id).limit(PEOPLE_RECORDED)))
        return {
            "action": self.action.value if self.action else None,
            "person_ids": found,  # at most PEOPLE_RECORDED, the lowest ids
            "program_id": self.program_id,
            "since": self.since.isoformat() if self.since else None,
            "until": self.until.isoformat() if self.until else None,
        }


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _people(text: str) -> Select[int]:
    """The ids of the people whose name or e-mail address holds the search text."""
    from mentorloom.accounts.models import User  # audit sits below accounts at import time

    pattern = _like(text.strip()[:PERSON_MAX].lower())
    return select(User.id).where(
        or_(User.email.ilike(pattern, escape="\\"), User.display_name.ilike(pattern, escape="\\"))
    )


def filtered(f: AuditFilter) -> Select[AuditEvent]:
    """The events that match every part of the filter (unordered)."""

    query = select(AuditEvent)
    if f.action is not None:
        query = query.where(AuditEvent.action == f.action.value)
    if f.program_id is not None:
        query = query.where(AuditEvent.program_id == f.program_id)
    if f.since is not None:
        query = query.where(AuditEvent.at >= f.since)
    if f.until is not None:
        query = query.where(AuditEvent.at < f.until)
    if f.person.strip():
        people = _people(f.person)
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
