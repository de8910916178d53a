"""Kaplan–Meier retention against a small example computed by hand: 10 pairs, early endings at 1, 2, 4, 4 and 8
months, completed pairs and ongoing ones censored; 3/6/12-month retention with the log-log (exponential Greenwood)
interval; cohorts of fewer than 5 pairs left out."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from mentorloom.health import retention
from mentorloom.health.ranges import DAYS_PER_MONTH, DateRange
from mentorloom.mentorships.models import MentorshipStatus
from tests.factories import make_program
from tests.health.analytics_builders import at, pair

S = MentorshipStatus
NOW = at(2025, 7, 1)
PERIOD = DateRange(date(2024, 1, 1), date(2025, 6, 30))
# (months until the end, status): 5 early endings, 2 completed, 3 still under way after 14 months
HISTORY = [(1, S.ENDED_EARLY), (2, S.ENDED_EARLY), (4, S.ENDED_EARLY), (4, S.ENDED_EARLY), (8, S.ENDED_EARLY)]
HISTORY += [(5, S.COMPLETED), (10, S.COMPLETED), (14, S.ACTIVE), (14, S.ACTIVE), (14, S.ACTIVE)]


def months(n: float) -> timedelta:
    return timedelta(days=n * DAYS_PER_MONTH)


def build(session: Session) -> object:
    program = make_program(session)
    start = NOW - months(14)
    for m, status in HISTORY:
        ended = None if status is S.ACTIVE else start + months(m)
        pair(session, program, start, status=status, ended=ended)
    return program


def loglog(s: float, terms: list[tuple[int, int]]) -> tuple[float, float]:
    """The 95 % interval lifelines gives: S ** exp(±z·sqrt(Σ d/(n(n−d))) / |log S|)."""
    z = 1.959963984540054
    se = math.sqrt(sum(d / (n * (n - d)) for n, d in terms)) / abs(math.log(s))
    return s ** math.exp(z * se), s ** math.exp(-z * se)


def test_retention_matches_the_hand_computed_example(db_session: Session) -> None:
    program = build(db_session)
    result = retention.compute(db_session, program, PERIOD, NOW)  # type: ignore[arg-type]
    overall = result.overall
    assert overall is not None and overall.pairs.value == 10 and overall.ended_early.value == 5
    # at risk / ended early: 10/1 at 1 month, 9/1 at 2, 8/2 at 4 (5 censored), 5/1 at 8
    expected = {3: (0.8, [(10, 1), (9, 1)]), 6: (0.6, [(10, 1), (9, 1), (8, 2)])}
    expected[12] = (0.48, [(10, 1), (9, 1), (8, 2), (5, 1)])
    for horizon, (s, terms) in expected.items():
        estimate = overall.at[horizon]
        assert estimate is not None
        assert estimate.retention == pytest.approx(s, abs=1e-4)
        lower, upper = loglog(s, terms)
        assert (estimate.lower, estimate.upper) == (pytest.approx(lower, abs=1e-3), pytest.approx(upper, abs=1e-3))
    assert overall.points[0] == (0.0, 1.0, 1.0, 1.0)
    assert [round(p[1], 2) for p in overall.points] == [1.0, 0.9, 0.8, 0.6, 0.48, 0.48]
    assert [c.key for c in result.cohorts] == ["2024-Q2"] and result.hidden_cohorts == 0


def test_small_cohorts_are_left_out_and_unknown_horizons_say_so(db_session: Session) -> None:
    program = build(db_session)
    for _ in range(3):  # a cohort of three: not shown on its own, but part of the overall curve
        pair(db_session, program, at(2025, 5, 1))
    result = retention.compute(db_session, program, PERIOD, NOW)  # type: ignore[arg-type]
    assert result.overall is not None and result.overall.pairs.value == 13
    assert [c.key for c in result.cohorts] == ["2024-Q2"] and result.hidden_cohorts == 1
    recent = retention.compute(db_session, program, DateRange(date(2025, 4, 1), date(2025, 6, 30)), NOW)  # type: ignore[arg-type]
    assert recent.overall is None and recent.cohorts == []  # 3 pairs: nothing shown
    five = make_program(db_session)
    for _ in range(5):
        pair(db_session, five, at(2025, 5, 1), status=S.ENDED_EARLY, ended=at(2025, 6, 1))
    only = retention.compute(db_session, five, PERIOD, NOW).overall
    assert only is not None and only.pairs.value == 5 and only.ended_early.value == 5
    assert only.at[3] == retention.Estimate(0.0, 0.0, 0.0)  # every pair ended early: known, and none left
    still = make_program(db_session)
    for _ in range(5):
        pair(db_session, still, at(2025, 5, 1))
    unknown = retention.compute(db_session, still, PERIOD, NOW).overall
    assert unknown is not None and unknown.at == {3: None, 6: None, 12: None}  # nobody watched 3 months yet
