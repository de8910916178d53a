"""Privacy invariants (hypothesis): no published count is from 1 to 4, and no hidden cell is alone in a sum a
reader can form, whatever the program's history."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from mentorloom.health import analytics, exports, retention
from mentorloom.health.cells import Cell, count, protect
from mentorloom.health.ranges import DateRange
from mentorloom.mentorships.models import ClosureReason, MentorshipStatus
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.health.analytics_builders import at, held, member, pair

S = MentorshipStatus
NOW = at(2025, 7, 1)
PERIOD = DateRange(date(2024, 7, 1), date(2025, 6, 30))


def published_counts(data: Any) -> list[int | None]:
    """Every {"value", "suppressed"} count anywhere in a JSON document."""
    found: list[int | None] = []
    if isinstance(data, dict):
        if set(data) == {"value", "suppressed"}:
            assert (data["value"] is None) == data["suppressed"]
            return [data["value"]]
        for value in data.values():
            found += published_counts(value)
    elif isinstance(data, list):
        for value in data:
            found += published_counts(value)
    return found


@given(st.lists(st.lists(st.integers(0, 12), min_size=2, max_size=5), min_size=1, max_size=8))
def test_protect_leaves_no_small_cell_and_no_lonely_hidden_cell(table: list[list[int]]) -> None:
    width = min(len(row) for row in table)
    cells = [[count(n) for n in row[:width]] for row in table]
    totals = [count(sum(row[:width])) for row in table]
    rows = [[*row, total] for row, total in zip(cells, totals, strict=True)]
    columns = [[row[i] for row in cells] for i in range(width)]
    protect(rows + columns)
    for group in rows + columns:
        assert len(group) == 1 or sum(c.suppressed for c in group) != 1  # a lone cell is its own sum
        assert all(c.value is None or not 1 <= c.value <= 4 for c in group)


def test_cell_never_publishes_its_raw_count() -> None:
    cell = Cell(3, True)
    assert cell.as_json() == {"value": None, "suppressed": True} and cell.value is None and cell.raw == 3


HISTORY = st.lists(
    st.tuples(
        st.integers(0, 16),  # start: months before NOW
        st.sampled_from([S.ACTIVE, S.PAUSED, S.COMPLETED, S.ENDED_EARLY]),
        st.sampled_from([None, *ClosureReason]),
        st.integers(0, 3),  # meetings held
        st.integers(1, 5),  # usefulness of their feedback
    ),
    max_size=30,
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(history=HISTORY, waiting=st.integers(0, 7))
def test_no_output_shows_a_count_from_1_to_4(db_session: Session, history: list[Any], waiting: int) -> None:
    program = make_program(db_session)
    for months, status, reason, meetings, score in history:
        start = NOW - timedelta(days=30 * months + 3)
        ended = start + timedelta(days=20) if status in (S.COMPLETED, S.ENDED_EARLY) else None
        ms = pair(db_session, program, start, status=status, ended=ended, reason=reason)
        for k in range(meetings):
            held(db_session, ms, start + timedelta(days=5 + k), (score, False))
    for _ in range(waiting):
        member(db_session, program, Role.MENTEE, joined=at(2025, 1, 5))
    result = analytics.compute(db_session, program, PERIOD, NOW)
    documents = [exports.analytics_json(result)]
    documents += [exports.table_json(t) for t in exports.analytics_tables(result).values()]
    kept = retention.compute(db_session, program, PERIOD, NOW)
    documents += [exports.retention_json(kept)] + [
        exports.table_json(t) for t in exports.retention_tables(kept).values()
    ]
    for document in documents:
        assert not [n for n in published_counts(document) if n is not None and 1 <= n <= 4]
    s = result.summary
    sums = [[s.matched, s.waiting, s.joined], [s.goals_achieved, s.goals_open, s.goals_set]]
    sums += [[*(e.pairs for e in result.endings), s.ended_early], [*(m.held for m in result.meetings), s.meetings_held]]
    sums += [[c.under_way, c.completed, c.ended_early, c.started] for c in result.cohorts]
    for group in sums:
        assert sum(c.suppressed for c in group) != 1
