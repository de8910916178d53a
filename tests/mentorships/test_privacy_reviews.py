"""Issue 8.1: coordinators' review figures never move per single answer, so no private score can be recovered.

The attack: read the program summary after each answer; new mean × n − old mean × (n − 1) is that answer.
Figures are released in batches of at least RELEASE_BATCH new or changed answers, at most every RELEASE_GAP.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import update
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.mentorships import reviews
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus, ReviewRelease, Side
from mentorloom.mentorships.reviews import RELEASE_BATCH, RELEASE_GAP, STATEMENTS
from mentorloom.programs.models import Program, Role
from tests.factories import make_membership, make_program
from tests.mentorships.helpers import Pair, make_pair

ALL_FOURS = dict.fromkeys(STATEMENTS, 4)


async def _answer(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], heard: int) -> None:
    response = await client.post(
        f"{pair.base}/reviews", headers=headers, json={"scores": {**ALL_FOURS, "feel_heard": heard}}
    )
    assert response.status_code == 200, response.text


async def _summary(client: httpx.AsyncClient, pair: Pair) -> dict[str, Any]:
    response = await client.get(f"{pair.program_base}/reviews/summary", headers=pair.coord_h)
    assert response.status_code == 200, response.text
    return dict(response.json())


def _heard(summary: dict[str, Any]) -> tuple[int, float | None]:
    item = next(s for s in summary["statements"] if s["statement"] == "feel_heard")
    return item["count"], item["mean"]


def _pairs(db_session: Session, n: int) -> list[Pair]:
    first = make_pair(db_session, started_days_ago=12 * 7 + 1)
    more = [
        make_pair(db_session, started_days_ago=12 * 7 + 1, program=first.program, coordinator_headers=first.coord_h)
        for _ in range(n - 1)
    ]
    return [first, *more]


def _age_last_release(db_session: Session, program_id: int) -> None:
    """Move the last release one gap (and a day) into the past, as if the weeks had passed."""
    db_session.execute(
        update(ReviewRelease)
        .where(ReviewRelease.program_id == program_id)
        .values(released_at=utcnow() - RELEASE_GAP - timedelta(days=1))
    )
    db_session.flush()


@pytest.mark.anyio
async def test_answers_one_by_one_do_not_move_the_summary(client: httpx.AsyncClient, db_session: Session) -> None:
    pairs = _pairs(db_session, 5)
    seats = [(p, h) for p in pairs for h in (p.mentee_h, p.mentor_h)]
    secret_scores = [5, 1, 2, 5, 3, 1, 4, 2, 5, 1]
    before = await _summary(client, pairs[0])
    assert before["released_at"] is None and _heard(before) == (0, None)
    assert (before["release_batch"], before["release_gap_days"]) == (RELEASE_BATCH, RELEASE_GAP.days)
    seen = [before]
    for (pair, headers), score in zip(seats, secret_scores, strict=True):
        await _answer(client, pair, headers, score)
        seen.append(await _summary(client, pair))

    # Nothing moves for the first four answers; the fifth releases all five at once.
    assert all(s == before for s in seen[1:RELEASE_BATCH])
    released = seen[RELEASE_BATCH]
    assert released["released_at"] is not None
    assert _heard(released) == (5, sum(secret_scores[:5]) / 5)
    # Five more within the release gap: still the same figures, so no difference isolates one answer.
    assert all(s == released for s in seen[RELEASE_BATCH + 1 :])
    counts = [_heard(s)[0] for s in seen]
    assert not any(b - a == 1 for a, b in itertools.pairwise(counts))

    # Once the gap has passed, the waiting batch of five is released together (on the next read).
    _age_last_release(db_session, pairs[0].program.id)
    after_gap = await _summary(client, pairs[0])
    assert _heard(after_gap) == (10, sum(secret_scores) / 10)


@pytest.mark.anyio
async def test_resubmitting_does_not_leak_the_change(client: httpx.AsyncClient, db_session: Session) -> None:
    pairs = _pairs(db_session, 5)
    for pair in pairs:
        await _answer(client, pair, pair.mentee_h, 3)
    released = await _summary(client, pairs[0])
    assert _heard(released) == (5, 3.0)
    _age_last_release(db_session, pairs[0].program.id)
    released = await _summary(client, pairs[0])

    # One person changing their answer again and again is one new answer, never a batch of its own.
    for score in (1, 5, 2, 4, 1, 5):
        await _answer(client, pairs[0], pairs[0].mentee_h, score)
        assert await _summary(client, pairs[0]) == released

    for pair in pairs[1:4]:
        await _answer(client, pair, pair.mentor_h, 2)
        assert await _summary(client, pairs[0]) == released
    await _answer(client, pairs[4], pairs[4].mentor_h, 2)  # the fifth distinct new answer
    moved = await _summary(client, pairs[0])
    assert _heard(moved) == (9, round((5 + 3 * 4 + 2 * 4) / 9, 2))


# --- property: any sequence of submissions -------------------------------------------------------------------------

PAIRS = 3


def _seats(session: Session, program: Program, started: datetime) -> list[Seat]:
    seats = []
    for _ in range(PAIRS):
        mentor = make_membership(session, program=program, role=Role.MENTOR)
        mentee = make_membership(session, program=program, role=Role.MENTEE)
        mentorship = Mentorship(
            program_id=program.id,
            mentor_id=mentor.id,
            mentee_id=mentee.id,
            source=MentorshipSource.COORDINATOR,
            status=MentorshipStatus.ACTIVE,
        )
        start_cycle(mentorship, 24, at=started)
        session.add(mentorship)
        session.flush()
        seats.append(Seat(mentorship, mentor.user, Side.MENTOR, program))
        seats.append(Seat(mentorship, mentee.user, Side.MENTEE, program))
    return seats


@dataclass
class Reference:
    """What a coordinator may know: the live answers, and which changed since the last release."""

    answers: dict[tuple[int, int, Side], int] = field(default_factory=dict)
    changed: set[tuple[int, int, Side]] = field(default_factory=set)
    released_at: datetime | None = None

    def may_release(self, now: datetime) -> bool:
        gap_over = self.released_at is None or now - self.released_at >= RELEASE_GAP
        return gap_over and len(self.changed) >= RELEASE_BATCH

    def mean(self) -> float:
        return round(sum(self.answers.values()) / len(self.answers), 2)


Step = tuple[int, int, int]  # seat, score for "I feel heard", days that pass before the answer


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(0, 2 * PAIRS - 1), st.integers(1, 5), st.integers(0, 20)), max_size=30))
def test_every_release_covers_a_batch_of_new_answers(db_session: Session, steps: list[Step]) -> None:
    program = make_program(db_session)
    started = utcnow() - timedelta(weeks=12, days=1)
    seats, ref, now = _seats(db_session, program, started), Reference(), utcnow()
    shown = reviews.program_summary(db_session, program.id, now)
    for seat_no, score, days in steps:
        now += timedelta(days=days)
        seat = seats[seat_no]
        period = reviews.due(db_session, seat, program, now).period
        reviews.submit(db_session, seat, program, {**ALL_FOURS, "feel_heard": score}, "", False, now)
        assert seat.side is not None
        key = (seat.mentorship.id, period, seat.side)
        ref.answers[key] = score
        ref.changed.add(key)
        summary = reviews.program_summary(db_session, program.id, now)
        if ref.may_release(now):
            # A release covers at least a batch of distinct new answers and shows the true figures then.
            assert summary.released_at == now
            heard = next(s for s in summary.statements if s.statement == "feel_heard")
            assert heard.count == len(ref.answers) and heard.mean == ref.mean()
            ref.changed, ref.released_at = set(), now
        else:
            assert summary == shown  # never recomputed live
        shown = summary
