"""Recomputing a program's health on both databases, from constructed histories whose bands and reasons are known:
one row per pair under way, the at-risk list most urgent first, private answers left out (or not telling whose),
`flagged_since` kept while a pair stays flagged, paused and ended pairs dropped, calendar milestones and the
coordination's kudos no sign of engagement, and a fixed number of queries whatever the number of pairs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.models import Kudos, Message, Milestone
from mentorloom.health import facts, service
from mentorloom.health.models import PairHealth
from mentorloom.health.score import AT_RISK, ATTENTION, HEALTHY
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.mentorships.models import (
    Goal,
    GoalProgress,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    ReviewAnswer,
    ReviewSubmission,
    Side,
)
from mentorloom.mentorships.reviews import STATEMENTS
from mentorloom.programs.models import Cadence, Program
from tests.factories import make_program
from tests.meetings.page_helpers import service_pair

_names = iter(range(1, 10_000))


@dataclass
class History:
    """One pair (monthly, agreement with one goal confirmed by both) and what happened in it, `days` back from now."""

    session: Session
    mentorship: Mentorship
    now: datetime

    def at(self, days: float) -> datetime:
        return self.now - timedelta(days=days)

    def meeting(self, days: float, usefulness: int | None = None, *, private: bool = False) -> History:
        when = self.at(days)
        meeting = Meeting(
            mentorship_id=self.mentorship.id,
            program_id=self.mentorship.program_id,
            starts_at=when,
            ends_at=when + timedelta(hours=1),
            timezone="UTC",
            format="video",
            uid=f"{uuid.uuid4().hex}@recompute",
            status=MeetingStatus.HELD,
        )
        self.session.add(meeting)
        self.session.flush()
        if usefulness is not None:
            self.session.add(
                MeetingFeedback(
                    meeting_id=meeting.id,
                    mentorship_id=self.mentorship.id,
                    program_id=self.mentorship.program_id,
                    side=Side.MENTEE,
                    usefulness=usefulness,
                    visibility=FeedbackVisibility.PRIVATE if private else FeedbackVisibility.PARTNER,
                    created_at=when + timedelta(hours=2),
                )
            )
            self.session.flush()
        return self

    def meetings(self, *days_and_scores: tuple[float, int | None]) -> History:
        for days, score in days_and_scores:
            self.meeting(days, score)
        return self

    def message(self, days: float) -> History:
        self.session.add(
            Message(
                mentorship_id=self.mentorship.id,
                program_id=self.mentorship.program_id,
                author_side=Side.MENTEE,
                body="How about next week?",
                created_at=self.at(days),
            )
        )
        self.session.flush()
        return self

    def review(self, period: int, mentor: int, mentee: int, *, shared: bool = True, days: float = 5) -> History:
        for side, score in ((Side.MENTOR, mentor), (Side.MENTEE, mentee)):
            submission = ReviewSubmission(
                mentorship_id=self.mentorship.id,
                program_id=self.mentorship.program_id,
                period=period,
                side=side,
                shared_with_partner=shared,
                submitted_at=self.at(days),
            )
            submission.answers = [ReviewAnswer(statement=key, score=score) for key in STATEMENTS]
            self.session.add(submission)
        self.session.flush()
        return self

    def progress(self, percent: int, status: GoalStatus = GoalStatus.IN_PROGRESS) -> History:
        key = self.session.scalar(select(Goal.key).where(Goal.mentorship_id == self.mentorship.id))
        assert key is not None
        self.session.add(GoalProgress(mentorship_id=self.mentorship.id, goal_key=key, status=status, progress=percent))
        self.session.flush()
        return self


def pair(
    session: Session, program: Program, started_days_ago: int, *, confirmed: bool = True, now: datetime | None = None
) -> History:
    n = next(_names)
    made = service_pair(
        session,
        program=program,
        cadence=Cadence.MONTHLY,
        started_days_ago=started_days_ago,
        confirmed=confirmed,
        names=(f"Ana Mentor {n}", f"Ben Mentee {n}"),
    )
    return History(session, made.mentorship, now or utcnow())


def codes(row: PairHealth) -> dict[str, str]:
    return {c["key"]: c["code"] for c in row.components}


def component(row: PairHealth, key: str) -> dict:
    (found,) = (c for c in row.components if c["key"] == key)
    return found


def rows_of(session: Session, program: Program) -> dict[int, PairHealth]:
    session.expire_all()
    return {r.mentorship_id: r for r in session.scalars(select(PairHealth).where(PairHealth.program_id == program.id))}


def test_constructed_histories_get_their_known_bands_and_reasons(db_session: Session) -> None:
    program = make_program(db_session)
    # On cadence: monthly meetings with good feedback, a message this week, progress on its goal.
    steady = pair(db_session, program, 70).meetings((62, 4), (35, 5), (6, 4)).message(2).progress(20)
    # Started ten weeks ago and never met, nor wrote: at risk, and a new pair.
    never = pair(db_session, program, 70)
    # Met well for months, then nothing for 58 days: at risk by the gap cap.
    drifted = (
        pair(db_session, program, 200)
        .meetings((180, 4), (150, 4), (120, 5), (88, 4), (58, 4))
        .message(50)
        .review(2, 4, 4)
        .progress(40)
    )
    # Meets on time, but the feedback collapsed and the last review shows strain: at risk all the same.
    soured = (
        pair(db_session, program, 150)
        .meetings((140, 5), (110, 5), (80, 5), (60, 2), (35, 1), (8, 2))
        .message(4)
        .review(1, 2, 2)
        .progress(30)
    )
    # Seven weeks in, the agreement never confirmed and no meeting yet (but they write): needs attention.
    unconfirmed = pair(db_session, program, 50, confirmed=False).message(3)
    db_session.flush()

    assert service.recompute_program(db_session, program) == 5
    rows = rows_of(db_session, program)
    assert set(rows) == {h.mentorship.id for h in (steady, never, drifted, soured, unconfirmed)}

    ok = rows[steady.mentorship.id]
    assert (ok.score, ok.band, ok.flagged_since) == (100, HEALTHY, None)
    assert codes(ok) == {
        "cadence": "on_cadence",
        "feedback": "feedback_fine",
        "reviews": "no_review_yet",
        "goals": "goals_on_track",
        "engagement": "engaged",
        "agreement": "agreement_confirmed",
    }

    lost = rows[never.mentorship.id]
    assert lost.band == AT_RISK and lost.flagged_since is not None
    assert codes(lost)["cadence"] == "no_meeting_yet" and component(lost, "cadence")["params"]["days"] == 70
    assert codes(lost)["engagement"] == "no_engagement_yet"

    gone_quiet = rows[drifted.mentorship.id]
    assert gone_quiet.band == AT_RISK
    assert component(gone_quiet, "cadence")["params"] == {"days": 58, "cadence": "monthly"}
    assert codes(gone_quiet)["cadence"] == "meeting_gap" and codes(gone_quiet)["engagement"] == "quiet_between"
    assert codes(gone_quiet)["reviews"] == "review_fine"

    sour = rows[soured.mentorship.id]
    assert sour.band == AT_RISK
    assert codes(sour)["feedback"] == "feedback_collapsed" and codes(sour)["reviews"] == "review_strain"
    assert codes(sour)["cadence"] == "on_cadence"

    late = rows[unconfirmed.mentorship.id]
    assert codes(late)["agreement"] == "agreement_unconfirmed" and component(late, "agreement")["points"] == 10
    assert codes(late)["cadence"] == "no_meeting_yet" and component(late, "cadence")["points"] == 35
    assert late.band == ATTENTION and late.score == 55  # a new pair: its 20 days late count 1.5 times

    total, listed = service.flagged(db_session, program.id)
    assert total == 4
    order = [h.mentorship_id for h, _m in listed]
    # Every pair at risk before the one needing attention; among them the most clear warning signs first.
    assert order == [never.mentorship.id, drifted.mentorship.id, soured.mentorship.id, unconfirmed.mentorship.id]
    urgencies = [h.urgency for h, _m in listed]
    assert urgencies == sorted(urgencies, reverse=True)
    assert service.flagged(db_session, program.id, bands=(AT_RISK,))[0] == 3
    counts = service.band_counts(db_session, program.id)
    assert (counts.healthy, counts.attention, counts.at_risk, counts.total) == (1, 1, 3, 5)


def test_the_list_is_most_urgent_first_and_pages(db_session: Session) -> None:
    program = make_program(db_session)
    gaps = [55, 90, 70, 200, 60]  # established pairs without a meeting this many days
    made = [pair(db_session, program, 300).meeting(days, 4).message(days) for days in gaps]
    new = pair(db_session, program, 60)  # a new pair that never met
    service.recompute_program(db_session, program)
    total, first = service.flagged(db_session, program.id, limit=3)
    _total, rest = service.flagged(db_session, program.id, offset=3, limit=3)
    order = [h.mentorship_id for h, _m in first + rest]
    assert total == 6 and len(order) == 6
    urgency = {h.mentorship_id: h.urgency for h, _m in first + rest}
    assert [urgency[i] for i in order] == sorted(urgency.values(), reverse=True)
    # The established pairs: the longest gap first (equal scores from 60 days on, then the gap decides).
    by_gap = [made[i].mentorship.id for i in sorted(range(5), key=lambda i: -gaps[i])]
    assert [i for i in order if i != new.mentorship.id] == by_gap
    assert all(m.id == h.mentorship_id for h, m in first)


def test_private_feedback_is_left_out(db_session: Session) -> None:
    program = make_program(db_session)
    shared_only = pair(db_session, program, 150).meetings((100, 4), (70, 4), (40, 5), (10, 4)).message(2)
    with_private = pair(db_session, program, 150).meetings((100, 4), (70, 4), (40, 5), (10, 4)).message(2)
    for days in (35, 20, 5):  # three more meetings each rated 1 in private
        with_private.meeting(days, 1, private=True)
    shared_only.meetings((35, None), (20, None), (5, None))  # the same meetings, no feedback
    service.recompute_program(db_session, program)
    rows = rows_of(db_session, program)
    a, b = rows[shared_only.mentorship.id], rows[with_private.mentorship.id]
    assert a.score == b.score and a.components == b.components
    assert codes(b)["feedback"] == "feedback_fine"


def test_a_shared_review_tells_strain_but_not_whose_answer(db_session: Session) -> None:
    program = make_program(db_session)
    mentor_low = pair(db_session, program, 100).meetings((60, 4), (30, 4), (5, 4)).message(2)
    mentee_low = pair(db_session, program, 100).meetings((60, 4), (30, 4), (5, 4)).message(2)
    mentor_low.review(1, 1, 5)
    mentee_low.review(1, 5, 1)
    service.recompute_program(db_session, program)
    rows = rows_of(db_session, program)
    a, b = rows[mentor_low.mentorship.id], rows[mentee_low.mentorship.id]
    assert codes(a)["reviews"] == "review_strain"
    assert (a.score, a.band, a.components) == (b.score, b.band, b.components)


def test_a_private_review_moves_nothing(db_session: Session) -> None:
    program = make_program(db_session)
    unhappy = pair(db_session, program, 100).meetings((60, 4), (30, 4), (5, 4)).message(2).review(1, 5, 1, shared=False)
    content = pair(db_session, program, 100).meetings((60, 4), (30, 4), (5, 4)).message(2).review(1, 5, 5, shared=False)
    service.recompute_program(db_session, program)
    rows = rows_of(db_session, program)
    a, b = rows[unhappy.mentorship.id], rows[content.mentorship.id]
    assert codes(a)["reviews"] == "no_review_yet"
    assert (a.score, a.band, a.components) == (b.score, b.band, b.components)


def test_flagged_since_is_kept_while_flagged_and_cleared_on_recovery(db_session: Session) -> None:
    program = make_program(db_session)
    now = utcnow()
    h = pair(db_session, program, 200, now=now).meeting(60, 4).message(1)
    service.recompute_program(db_session, program, now=now)
    first = rows_of(db_session, program)[h.mentorship.id]
    assert first.band == AT_RISK and first.flagged_since == now
    later = now + timedelta(days=2)
    service.recompute_program(db_session, program, now=later)
    again = rows_of(db_session, program)[h.mentorship.id]
    assert again.flagged_since == now and again.computed_at == later
    h.meeting(-1, 5)  # met yesterday, seen from `later`
    row = service.recompute_pair(db_session, h.mentorship, now=later)
    assert row is not None and row.band == HEALTHY and row.flagged_since is None
    much_later = later + timedelta(days=60)
    service.recompute_program(db_session, program, now=much_later)
    relapsed = rows_of(db_session, program)[h.mentorship.id]
    assert relapsed.band == AT_RISK and relapsed.flagged_since == much_later


def test_only_pairs_under_way_are_scored(db_session: Session) -> None:
    program = make_program(db_session)
    active = pair(db_session, program, 100)
    completing = pair(db_session, program, 100)
    paused = pair(db_session, program, 100)
    ended = pair(db_session, program, 100)
    service.recompute_program(db_session, program)
    assert len(rows_of(db_session, program)) == 4
    completing.mentorship.status = MentorshipStatus.COMPLETING
    paused.mentorship.status = MentorshipStatus.PAUSED
    ended.mentorship.status = MentorshipStatus.ENDED_EARLY
    db_session.flush()
    assert service.recompute_program(db_session, program) == 2
    assert set(rows_of(db_session, program)) == {active.mentorship.id, completing.mentorship.id}
    assert service.recompute_pair(db_session, paused.mentorship) is None
    assert service.health_of(db_session, paused.mentorship) is None
    _total, listed = service.flagged(db_session, program.id)
    assert {h.mentorship_id for h, _m in listed} <= {active.mentorship.id, completing.mentorship.id}
    other = make_program(db_session)
    assert service.recompute_program(db_session, other) == 0 and service.band_counts(db_session, other.id).total == 0


def test_recompute_pair_touches_that_pair_only(db_session: Session) -> None:
    program = make_program(db_session)
    a = pair(db_session, program, 100)
    b = pair(db_session, program, 100)
    service.recompute_program(db_session, program)
    before = rows_of(db_session, program)[b.mentorship.id].computed_at
    a.meeting(1, 5).message(1)
    row = service.recompute_pair(db_session, a.mentorship, now=utcnow() + timedelta(hours=1))
    assert row is not None and codes(row)["cadence"] == "on_cadence"
    assert rows_of(db_session, program)[b.mentorship.id].computed_at == before


def test_calendar_milestones_and_coordination_kudos_are_no_engagement(db_session: Session) -> None:
    program = make_program(db_session)
    h = pair(db_session, program, 120).message(50)
    ms = h.mentorship
    db_session.add_all(
        [
            Milestone(
                mentorship_id=ms.id,
                program_id=ms.program_id,
                code="months_3",
                title="3 months together",
                reached_at=h.at(28),
            ),
            Kudos(mentorship_id=ms.id, program_id=ms.program_id, from_side=None, text="Well done!", created_at=h.at(2)),
        ]
    )
    db_session.flush()

    def last() -> datetime | None:
        (found,) = facts.collect(db_session, program, h.now, only=ms.id)
        return found.last_engagement_at

    assert last() == h.at(50)
    db_session.add(Milestone(mentorship_id=ms.id, program_id=ms.program_id, title="First talk", reached_at=h.at(20)))
    db_session.flush()
    assert last() == h.at(20)
    db_session.add(
        Kudos(mentorship_id=ms.id, program_id=ms.program_id, from_side=Side.MENTEE, text="Thanks!", created_at=h.at(9))
    )
    db_session.flush()
    assert last() == h.at(9)


def test_a_fixed_number_of_queries(db_session: Session) -> None:
    def count(n: int) -> int:
        program = make_program(db_session)
        for _ in range(n):
            pair(db_session, program, 100).meeting(10, 4).message(3).review(1, 4, 4).progress(30)
        seen: list[str] = []
        conn = db_session.connection()

        def tally(*_args: object) -> None:
            seen.append("q")

        event.listen(conn, "before_cursor_execute", tally)
        try:
            service.recompute_program(db_session, program)
            service.band_counts(db_session, program.id)
            service.flagged(db_session, program.id)
        finally:
            event.remove(conn, "before_cursor_execute", tally)
        return len(seen)

    assert count(2) == count(5)


@pytest.mark.parametrize("status", [GoalStatus.ACHIEVED, GoalStatus.DROPPED])
def test_finished_goals_are_not_behind(db_session: Session, status: GoalStatus) -> None:
    program = make_program(db_session)
    h = pair(db_session, program, 400).meeting(5, 4).message(2).review(4, 4, 4).progress(0)
    service.recompute_program(db_session, program)
    assert codes(rows_of(db_session, program)[h.mentorship.id])["goals"] == "goals_behind"
    h.progress(100 if status is GoalStatus.ACHIEVED else 0, status)
    service.recompute_program(db_session, program)
    row = rows_of(db_session, program)[h.mentorship.id]
    expected = "goals_done" if status is GoalStatus.ACHIEVED else "no_goals"
    assert codes(row)["goals"] == expected
