"""Meeting feedback for coordinators: program-wide figures per closed calendar month, never per pair.

A figure that moved with each new answer would give that answer away, so a month's figures appear only once
the month is over (and an answer can be changed only in the month it was given: closed months never move),
and its mean only when at least MIN_ANSWERS answers make it up. Private feedback is never counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus

MIN_ANSWERS = 5
MONTHS = 12


@dataclass(frozen=True)
class MonthFigures:
    month: date  # the first day of the month
    meetings_held: int
    answers: int
    mean_usefulness: float | None  # None below MIN_ANSWERS answers


def _month_start(moment: datetime) -> datetime:
    return datetime(moment.year, moment.month, 1, tzinfo=UTC)


def monthly(session: Session, program_id: int, now: datetime | None = None, months: int = MONTHS) -> list[MonthFigures]:
    """The last `months` closed months, newest first."""
    current = _month_start(now or utcnow())
    figures = []
    for back in range(1, months + 1):
        start, end = current - relativedelta(months=back), current - relativedelta(months=back - 1)
        answers, mean = session.execute(
            select(func.count(), func.avg(MeetingFeedback.usefulness)).where(
                MeetingFeedback.program_id == program_id,
                MeetingFeedback.visibility != FeedbackVisibility.PRIVATE,
                MeetingFeedback.created_at >= start,
                MeetingFeedback.created_at < end,
            )
        ).one()
        held = session.scalar(
            select(func.count())
            .select_from(Meeting)
            .where(
                Meeting.program_id == program_id,
                Meeting.status == MeetingStatus.HELD,
                Meeting.starts_at >= start,
                Meeting.starts_at < end,
            )
        )
        shown = round(float(mean), 1) if answers >= MIN_ANSWERS and mean is not None else None
        figures.append(MonthFigures(start.date(), held or 0, answers, shown))
    return figures
