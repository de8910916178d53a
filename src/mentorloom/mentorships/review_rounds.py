"""Which pairs answered the review round open now: what coordinators need to follow up, never a score.

Rounds are counted as `reviews.due` counts them (the schedule, or a round one side opened early), for all of
a program's pairs in two queries instead of one `due` per pair.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from mentorloom.db import as_utc, utcnow
from mentorloom.mentorships import reviews
from mentorloom.mentorships.models import Mentorship, ReviewSubmission, Side
from mentorloom.programs.models import Membership, Program


@dataclass(frozen=True)
class PairRound:
    """One pair's review round open now: its number (0: none open yet), since when, and who answered it."""

    mentorship: Mentorship
    period: int
    opened_at: datetime | None
    next_opens_at: datetime
    answered: frozenset[Side]

    @property
    def is_open(self) -> bool:
        return self.period > 0

    @property
    def complete(self) -> bool:
        return self.answered == frozenset(Side)


def rounds(session: Session, program: Program, now: datetime | None = None) -> list[PairRound]:
    """Each reviewing pair of the program with its open round; unanswered first, oldest round first."""
    now = now or utcnow()
    step = reviews.interval(program)
    pairs = list(
        session.scalars(
            select(Mentorship)
            .where(
                Mentorship.program_id == program.id,
                Mentorship.status.in_(reviews.REVIEWABLE),
                Mentorship.started_at.is_not(None),
            )
            .options(selectinload(Mentorship.mentor).selectinload(Membership.user))
            .options(selectinload(Mentorship.mentee).selectinload(Membership.user))
        )
    )
    rows = session.execute(
        select(
            ReviewSubmission.mentorship_id,
            ReviewSubmission.period,
            ReviewSubmission.side,
            func.min(ReviewSubmission.submitted_at),
        )
        .where(ReviewSubmission.mentorship_id.in_([m.id for m in pairs]))
        .group_by(ReviewSubmission.mentorship_id, ReviewSubmission.period, ReviewSubmission.side)
    )
    sides: dict[tuple[int, int], set[Side]] = {}
    first: dict[tuple[int, int], datetime] = {}
    for mentorship_id, period, side, submitted_at in rows:
        key = (mentorship_id, period)
        sides.setdefault(key, set()).add(side)
        first[key] = min(first.get(key, as_utc(submitted_at)), as_utc(submitted_at))
    found = []
    for m in pairs:
        if m.started_at is None:  # excluded by the query; says so to the type checker
            continue
        started = as_utc(m.started_at)
        early = first.get((m.id, reviews.scheduled_round(started, step, now) + 1))
        period, opened_at = reviews.open_round(started, step, now, early)
        answered = frozenset(sides.get((m.id, period), ())) if period else frozenset()
        found.append(PairRound(m, period, opened_at, started + (period + 1) * step, answered))
    return sorted(found, key=_follow_up_order)


def _follow_up_order(r: PairRound) -> tuple[int, datetime, str]:
    """Open rounds still missing an answer first (the longest open first), then answered ones, then not open."""
    group = 0 if r.is_open and not r.complete else 1 if r.is_open else 2
    return group, r.opened_at or r.next_opens_at, r.mentorship.mentor.user.display_name.lower()
