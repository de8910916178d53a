"""Overdue check-ins: an active pair with no meeting held for `overdue_factor` × its agreed interval.

The clock starts at the last meeting held, or at the cycle's start before the first one. A later health score
reads the same figures (`days_since`, `allowed_days`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.meetings.recurrence import interval_days
from mentorloom.mentorships import agreements
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.programs.models import Cadence, Program

DEFAULT_FACTOR = 1.5


@dataclass(frozen=True)
class Overdue:
    mentorship_id: int
    overdue: bool
    days_since: int
    allowed_days: int
    last_held_at: datetime | None
    cadence: Cadence


def factor(program: Program) -> float:
    return float((program.settings or {}).get("overdue_factor", DEFAULT_FACTOR))


def last_held(session: Session, ids: list[int]) -> dict[int, datetime]:
    rows = session.execute(
        select(Meeting.mentorship_id, func.max(Meeting.starts_at))
        .where(Meeting.mentorship_id.in_(ids), Meeting.status == MeetingStatus.HELD)
        .group_by(Meeting.mentorship_id)
    )
    # max() keeps the column's type, so SQLite's value comes back as an aware UTC datetime too
    return {mentorship_id: moment for mentorship_id, moment in rows if moment is not None}


def statuses(
    session: Session, program: Program, mentorships: list[Mentorship], now: datetime | None = None
) -> dict[int, Overdue]:
    """Overdue figures of each active mentorship in the list (one query for meetings, one for agreements)."""
    now = now or utcnow()
    active = [m for m in mentorships if m.status is MentorshipStatus.ACTIVE]
    if not active:
        return {}
    held = last_held(session, [m.id for m in active])
    current = agreements.current_of_each(session, active)
    result = {}
    for m in active:
        agreement = current.get(m.id)
        cadence = agreement.cadence if agreement else program.default_cadence
        allowed = round(interval_days(cadence) * factor(program))
        since = held.get(m.id) or m.cycle_started_at or m.started_at or m.created_at
        days = max(0, (now - since).days)
        result[m.id] = Overdue(m.id, days > allowed, days, allowed, held.get(m.id), cadence)
    return result


def status_of(
    session: Session, program: Program, mentorship: Mentorship, now: datetime | None = None
) -> Overdue | None:
    return statuses(session, program, [mentorship], now).get(mentorship.id)


def overdue_in_program(session: Session, program: Program, now: datetime | None = None) -> list[Overdue]:
    """The program's overdue pairs, longest silence first."""
    active = list(
        session.scalars(
            select(Mentorship).where(Mentorship.program_id == program.id, Mentorship.status == MentorshipStatus.ACTIVE)
        )
    )
    found = [o for o in statuses(session, program, active, now).values() if o.overdue]
    return sorted(found, key=lambda o: o.days_since - o.allowed_days, reverse=True)
