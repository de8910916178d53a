"""A cycle's dates: when it started and when it is planned to end.

Placement starts a new pair's first cycle and lifecycle renews it, so this module depends on the models only.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime

from mentorloom.db import as_utc, utcnow
from mentorloom.mentorships.models import Mentorship


def add_months(day: date, months: int) -> date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cycle_start(mentorship: Mentorship) -> datetime:
    """When the current cycle began; a mentorship that has not started counts from its creation."""
    return as_utc(mentorship.cycle_started_at or mentorship.started_at or mentorship.created_at)


def replan(mentorship: Mentorship, months: int) -> None:
    """Plan the end `months` after the start of the current cycle."""
    mentorship.planned_end_on = add_months(cycle_start(mentorship).date(), months)


def start_cycle(mentorship: Mentorship, months: int, at: datetime | None = None) -> None:
    """Begin a cycle now (or `at`) planned for `months`; the first cycle also starts the mentorship."""
    mentorship.cycle_started_at = at or utcnow()
    mentorship.started_at = mentorship.started_at or mentorship.cycle_started_at
    replan(mentorship, months)
