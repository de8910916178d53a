"""Retention of mentorships: Kaplan–Meier curves of the time until a pair ends early (lifelines).

* Pairs: every mentorship that started within the date range (default: the last 36 calendar months, so that
  12-month retention can be estimated at all).
* Duration: from the start to the end, or to now for pairs still under way, in months of `DAYS_PER_MONTH` days.
* Event: ended early. Completed and ongoing pairs are censored: they did not end early while we watched them.
* Groups: all pairs, and cohorts by start quarter (months would mostly hold fewer than 5 pairs). A group of fewer
  than `MIN_CELL` pairs is not shown; counts of 1 to 4 (early endings of a group) are hidden like on the analytics
  page.
* Retention at 3, 6 and 12 months with its 95 % confidence interval (lifelines' exponential Greenwood interval);
  "not yet known" when no pair of the group has been watched that long.

One query reads the pairs; lifelines is imported inside the functions because importing it takes about a second.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import as_utc, utcnow
from mentorloom.health.analytics import STARTED
from mentorloom.health.cells import MIN_CELL, Cell, count, protect
from mentorloom.health.ranges import DAYS_PER_MONTH, DateRange
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.programs.models import Program

HORIZONS = (3, 6, 12)
DEFAULT_MONTHS = 36
ALPHA = 0.05


@dataclass(frozen=True)
class Estimate:
    retention: float
    lower: float
    upper: float

    def as_json(self) -> dict[str, float]:
        return {"retention": self.retention, "lower": self.lower, "upper": self.upper}


@dataclass
class Curve:
    key: str  # "all" or a start quarter such as "2025-Q1"
    pairs: Cell
    ended_early: Cell
    # (month, retention, lower, upper) at every time the estimate changes, from (0, 1, 1, 1)
    points: list[tuple[float, float, float, float]]
    at: dict[int, Estimate | None]  # retention at HORIZONS months; None: not watched that long yet


@dataclass
class Retention:
    range: DateRange
    overall: Curve | None  # None below MIN_CELL pairs
    cohorts: list[Curve]
    hidden_cohorts: int  # cohorts left out for having fewer than MIN_CELL pairs
    computed_at: datetime = field(default_factory=utcnow)


def compute(session: Session, program: Program, period: DateRange, now: datetime | None = None) -> Retention:
    """Kaplan–Meier retention of the pairs that started in `period`, overall and by start quarter."""
    now = now or utcnow()
    rows = _durations(session, program, period, now)
    overall = _curve("all", rows) if len(rows) >= MIN_CELL else None
    groups: dict[str, list[tuple[str, float, bool]]] = {}
    for row in rows:
        groups.setdefault(row[0], []).append(row)
    cohorts = [_curve(key, members) for key, members in sorted(groups.items()) if len(members) >= MIN_CELL]
    hidden = sum(1 for members in groups.values() if len(members) < MIN_CELL)
    if overall is not None:
        # the cohorts' counts add up to the overall ones (when no cohort is left out): no single hidden cohort cell
        # may follow from that sum
        protect(
            [[c.ended_early for c in cohorts] + [overall.ended_early], [c.pairs for c in cohorts] + [overall.pairs]]
        )
    return Retention(period, overall, cohorts, hidden, now)


def _durations(session: Session, program: Program, period: DateRange, now: datetime) -> list[tuple[str, float, bool]]:
    """(start quarter, months watched, ended early?) of each pair that started in the range."""
    start_at, end_at = period.bounds()
    rows = session.execute(
        select(Mentorship.started_at, Mentorship.ended_at, Mentorship.status).where(
            Mentorship.program_id == program.id,
            Mentorship.status.in_(STARTED),
            Mentorship.started_at >= start_at,
            Mentorship.started_at < end_at,
        )
    )
    out = []
    for started, ended, status in rows:
        if started is None:  # excluded by the query; keeps the types honest
            continue
        start = as_utc(started)
        over = status in (MentorshipStatus.COMPLETED, MentorshipStatus.ENDED_EARLY)
        stop = as_utc(ended) if over and ended is not None else now
        months = max(0.0, (min(stop, now) - start).total_seconds() / 86400 / DAYS_PER_MONTH)
        out.append((f"{start.year}-Q{(start.month - 1) // 3 + 1}", months, status is MentorshipStatus.ENDED_EARLY))
    return out


def _curve(key: str, rows: list[tuple[str, float, bool]]) -> Curve:
    from lifelines import KaplanMeierFitter  # slow to import: only when a page asks

    durations = [d for _q, d, _e in rows]
    events = [e for _q, _d, e in rows]
    kmf = KaplanMeierFitter(alpha=ALPHA)
    kmf.fit(durations, event_observed=events)
    watched = max(durations)
    points = _points(kmf, watched)
    # known once a pair was watched that long, or once every pair has ended early (the curve stays at 0)
    known = lambda h: watched >= h or points[-1][1] == 0  # noqa: E731
    at = {h: (_estimate_at(points, h) if known(h) else None) for h in HORIZONS}
    return Curve(key, count(len(rows)), count(sum(events)), points, at)


def _clean(value: Any, fallback: float) -> float:
    number = float(value)
    return fallback if math.isnan(number) else round(number, 4)


def _points(kmf: Any, watched: float) -> list[tuple[float, float, float, float]]:
    survival = kmf.survival_function_.iloc[:, 0]
    interval = kmf.confidence_interval_survival_function_
    out: list[tuple[float, float, float, float]] = []
    for t, s, lo, hi in zip(survival.index, survival, interval.iloc[:, 0], interval.iloc[:, 1], strict=True):
        s = _clean(s, 1.0)
        point = (round(float(t), 3), s, _clean(lo, s), _clean(hi, s))
        if not out or point[1:] != out[-1][1:]:  # only where the estimate changes (censoring alone changes nothing)
            out.append(point)
    if out and out[0][0] > 0:
        out.insert(0, (0.0, 1.0, 1.0, 1.0))
    if out and round(watched, 3) > out[-1][0]:  # the curve runs on to the longest time watched
        out.append((round(watched, 3), *out[-1][1:]))
    return out


def _estimate_at(points: list[tuple[float, float, float, float]], month: float) -> Estimate:
    """The step function's value at `month`: the last point at or before it."""
    current = points[0]
    for point in points:
        if point[0] > month:
            break
        current = point
    return Estimate(current[1], current[2], current[3])
