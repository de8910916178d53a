"""Collect `PairFacts` for every pair under way in a program with a fixed number of grouped queries.

A program of 10,000 pairs and half a million meetings recomputes in seconds because nothing here runs a query
per pair: each query groups by mentorship and the Python side only joins the results by id.

The queries filter by the pair scope alone, not also by the program id that the scope already implies: with stale
statistics (right after a bulk import, before autovacuum's ANALYZE) PostgreSQL estimated one pair, combined the
program and mentorship indexes for every pair and took minutes over 500,000 meetings; by mentorship alone each
lookup is one index range (bench/health_dashboard.py --no-analyze).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import as_utc
from mentorloom.engagement.models import Kudos, Message, Milestone, Resource
from mentorloom.health.score import REVIEW_GRACE, PairFacts
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.meetings.recurrence import CADENCE_DAYS
from mentorloom.mentorships.models import (
    Agreement,
    AgreementStatus,
    Goal,
    GoalProgress,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    ReviewAnswer,
    ReviewSubmission,
)
from mentorloom.mentorships.reviews import scheduled_round
from mentorloom.programs.models import Cadence, Membership, Program
from mentorloom.programs.schemas import ProgramSettings

SCORED = (MentorshipStatus.ACTIVE, MentorshipStatus.COMPLETING)  # paused pairs rest; ended pairs are history
FEEDBACK_WINDOW = timedelta(days=240)


def pair_reached_milestone() -> ColumnElement[bool]:
    """Milestones that tell of the pair's own life: "3 months together" and its kind (`months_<n>`) are reached by
    the calendar, whatever the pair does, so they are no sign of engagement (the health score and the automatic
    conclusion after silence both leave them out)."""
    return or_(Milestone.code.is_(None), Milestone.code.not_like("months\\_%", escape="\\"))


def kudos_between_the_two() -> ColumnElement[bool]:
    """Kudos one partner gave the other; the coordination's kudos (no side) are no sign of the pair's own life."""
    return Kudos.from_side.is_not(None)


@dataclass
class _Pair:
    id: int
    started_at: datetime
    cycle: int
    planned_end: date | None


def scored_pairs(program_id: int, only: int | None = None) -> Select[int]:
    query = select(Mentorship.id).where(Mentorship.program_id == program_id, Mentorship.status.in_(SCORED))
    return query if only is None else query.where(Mentorship.id == only)


def collect(session: Session, program: Program, now: datetime, only: int | None = None) -> list[PairFacts]:
    """Facts of every active (or completing) pair of the program, in mentorship id order (or of pair `only`)."""
    scope = scored_pairs(program.id, only)
    pairs = _pairs(session, scope)
    if not pairs:
        return []
    in_force = agreements(session, scope)
    last_meeting = _last_held(session, scope)
    feedback = _feedback(session, scope, now)
    reviews = _reviews(session, program, scope, pairs, now)
    goals, achieved = _goals(session, scope, pairs, now)
    engaged = _last_engagement(session, scope)
    erased = partner_erased(session, scope)
    out = []
    for pair in pairs.values():
        cadence, confirmed = in_force.get(pair.id, (program.default_cadence, False))
        level, gap, missing = reviews.get(pair.id, (None, None, 0))
        out.append(
            PairFacts(
                mentorship_id=pair.id,
                started_at=pair.started_at,
                cadence=cadence.value,
                cadence_days=CADENCE_DAYS[cadence],
                last_meeting_at=last_meeting.get(pair.id),
                feedback=tuple(feedback.get(pair.id, ())),
                review_level=level,
                review_gap=gap,
                reviews_unanswered=missing,
                goals=tuple(goals.get(pair.id, ())),
                goals_achieved=achieved.get(pair.id, 0),
                last_engagement_at=engaged.get(pair.id),
                agreement_confirmed=confirmed,
                partner_erased=pair.id in erased,
            )
        )
    return out


def _pairs(session: Session, scope: Select[int]) -> dict[int, _Pair]:
    rows = session.execute(
        select(
            Mentorship.id,
            func.coalesce(Mentorship.cycle_started_at, Mentorship.started_at, Mentorship.created_at),
            Mentorship.cycle,
            Mentorship.planned_end_on,
        )
        .where(Mentorship.id.in_(scope))
        .order_by(Mentorship.id)
    )
    return {mid: _Pair(mid, as_utc(started), cycle, end) for mid, started, cycle, end in rows}


def partner_erased(session: Session, scope: Select[int]) -> set[int]:
    """The pairs in scope one of whose partners was erased (read from the account, so no flag can go stale)."""
    side = or_(Membership.id == Mentorship.mentor_id, Membership.id == Mentorship.mentee_id)
    rows = session.scalars(
        select(Mentorship.id)
        .join(Membership, side)
        .join(User, User.id == Membership.user_id)
        .where(Mentorship.id.in_(scope), User.erased_at.is_not(None))
    )
    return set(rows)


def agreements(session: Session, scope: Select[int]) -> dict[int, tuple[Cadence, bool]]:
    """The cadence in force (a confirmed version wins over a newer draft) and whether one was confirmed."""
    rows = session.execute(
        select(Agreement.mentorship_id, Agreement.version, Agreement.status, Agreement.cadence)
        .join(Mentorship, and_(Mentorship.id == Agreement.mentorship_id, Mentorship.cycle == Agreement.cycle))
        .where(Agreement.mentorship_id.in_(scope))
        .order_by(Agreement.mentorship_id, Agreement.version)
    )
    confirmed: dict[int, Cadence] = {}
    newest: dict[int, Cadence] = {}
    for mid, _version, status, cadence in rows:  # oldest version first, so the newest one wins
        newest[mid] = cadence
        if status is AgreementStatus.CONFIRMED:
            confirmed[mid] = cadence
    return {mid: (confirmed.get(mid, cadence), mid in confirmed) for mid, cadence in newest.items()}


def _last_held(session: Session, scope: Select[int]) -> dict[int, datetime]:
    # "held" inside the aggregate, not in WHERE: otherwise PostgreSQL without statistics may walk the (status,
    # starts_at) index once per pair, every held meeting of every program each time (minutes at 100,000 meetings).
    held_at = case((Meeting.status == MeetingStatus.HELD, Meeting.starts_at))
    rows = session.execute(
        select(Meeting.mentorship_id, func.max(held_at))
        .where(Meeting.mentorship_id.in_(scope))
        .group_by(Meeting.mentorship_id)
    )
    return {mid: as_utc(at) for mid, at in rows if at is not None}


def _feedback(session: Session, scope: Select[int], now: datetime) -> dict[int, list[int]]:
    """Usefulness of recent held meetings, oldest first; answers their authors kept private are left out."""
    rows = session.execute(
        select(MeetingFeedback.mentorship_id, MeetingFeedback.usefulness)
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .where(
            MeetingFeedback.mentorship_id.in_(scope),
            MeetingFeedback.visibility != FeedbackVisibility.PRIVATE,
            Meeting.starts_at >= now - FEEDBACK_WINDOW,
        )
        .order_by(MeetingFeedback.mentorship_id, Meeting.starts_at, MeetingFeedback.id)
    )
    out: dict[int, list[int]] = defaultdict(list)
    for mid, usefulness in rows:
        out[mid].append(usefulness)
    return out


def _reviews(
    session: Session, program: Program, scope: Select[int], pairs: dict[int, _Pair], now: datetime
) -> dict[int, tuple[float | None, float | None, int]]:
    """Per pair: the latest shared round's mean and widest gap between sides, and answers missing from the latest
    round that has been open for REVIEW_GRACE.

    Only answers shared with the partner count: an answer kept private must not move a score the coordination
    reads (whether someone answered is no secret; the missing count says how many, not who)."""
    latest = (
        select(ReviewSubmission.mentorship_id, func.max(ReviewSubmission.period).label("period"))
        .where(ReviewSubmission.mentorship_id.in_(scope), ReviewSubmission.shared_with_partner.is_(True))
        .group_by(ReviewSubmission.mentorship_id)
        .subquery()
    )
    rows = session.execute(
        select(ReviewSubmission.mentorship_id, ReviewSubmission.side, ReviewAnswer.statement, ReviewAnswer.score)
        .join(ReviewAnswer, ReviewAnswer.submission_id == ReviewSubmission.id)
        .join(
            latest,
            and_(latest.c.mentorship_id == ReviewSubmission.mentorship_id, latest.c.period == ReviewSubmission.period),
        )
        .where(ReviewSubmission.shared_with_partner.is_(True))
    )
    scores: dict[int, list[int]] = defaultdict(list)
    by_statement: dict[int, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for mid, side, statement, score in rows:
        scores[mid].append(score)
        by_statement[mid][statement][side.value] = score
    step = timedelta(weeks=ProgramSettings.model_validate(program.settings or {}).review_interval_weeks)
    answered = _answered_sides(session, scope)
    out: dict[int, tuple[float | None, float | None, int]] = {}
    for pair in pairs.values():
        level = sum(scores[pair.id]) / len(scores[pair.id]) if scores.get(pair.id) else None
        gaps = [abs(s["mentor"] - s["mentee"]) for s in by_statement[pair.id].values() if len(s) == 2]
        due = scheduled_round(pair.started_at, step, now - REVIEW_GRACE)
        missing = 2 - len(answered.get((pair.id, due), ())) if due > 0 else 0
        out[pair.id] = (level, float(max(gaps)) if gaps else None, missing)
    return out


def _answered_sides(session: Session, scope: Select[int]) -> dict[tuple[int, int], set[str]]:
    rows = session.execute(
        select(ReviewSubmission.mentorship_id, ReviewSubmission.period, ReviewSubmission.side).where(
            ReviewSubmission.mentorship_id.in_(scope)
        )
    )
    out: dict[tuple[int, int], set[str]] = defaultdict(set)
    for mid, period, side in rows:
        out[(mid, period)].add(side.value)
    return out


def _goals(
    session: Session,
    scope: Select[int],
    pairs: dict[int, _Pair],
    now: datetime,
) -> tuple[dict[int, list[tuple[int, float]]], dict[int, int]]:
    """Open goals of each pair's newest agreement with (progress %, expected share), and achieved counts."""
    newest = (
        select(Agreement.mentorship_id, func.max(Agreement.id).label("agreement_id"))
        .join(Mentorship, and_(Mentorship.id == Agreement.mentorship_id, Mentorship.cycle == Agreement.cycle))
        .where(Agreement.mentorship_id.in_(scope))
        .group_by(Agreement.mentorship_id)
        .subquery()
    )
    goal_rows = session.execute(
        select(Goal.mentorship_id, Goal.key, Goal.target_date).join(newest, newest.c.agreement_id == Goal.agreement_id)
    )
    state = goal_states(session, scope)
    open_goals: dict[int, list[tuple[int, float]]] = defaultdict(list)
    achieved: dict[int, int] = defaultdict(int)
    for mid, key, target in goal_rows:
        status, progress = state.get((mid, key), (GoalStatus.NOT_STARTED, 0))
        if status is GoalStatus.ACHIEVED:
            achieved[mid] += 1
        elif status is not GoalStatus.DROPPED:
            open_goals[mid].append((progress, _expected_share(pairs[mid], target, now)))
    return open_goals, achieved


def goal_states(session: Session, scope: Select[int]) -> dict[tuple[int, str], tuple[GoalStatus, int]]:
    newest = (
        select(func.max(GoalProgress.id))
        .where(GoalProgress.mentorship_id.in_(scope))
        .group_by(GoalProgress.mentorship_id, GoalProgress.goal_key)
    )
    rows = session.execute(
        select(GoalProgress.mentorship_id, GoalProgress.goal_key, GoalProgress.status, GoalProgress.progress).where(
            GoalProgress.id.in_(newest)
        )
    )
    return {(mid, key): (status, progress) for mid, key, status, progress in rows}


def _expected_share(pair: _Pair, target: date | None, now: datetime) -> float:
    """How far along the goal should be by now: elapsed time up to its target date (or the cycle's end)."""
    end = target or pair.planned_end
    if end is None:
        return 0.0
    end_at = datetime.combine(end, datetime.min.time(), tzinfo=pair.started_at.tzinfo)
    total = (end_at - pair.started_at).total_seconds()
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (now - pair.started_at).total_seconds() / total))


def _last_engagement(session: Session, scope: Select[int]) -> dict[int, datetime]:
    """The latest message, shared link, milestone the pair reached or kudos between the two (dates only, no words)."""
    sources: Iterable[Select[Any, Any]] = (
        select(Message.mentorship_id, func.max(Message.created_at))
        .where(Message.mentorship_id.in_(scope), Message.deleted_at.is_(None))
        .group_by(Message.mentorship_id),
        select(Resource.mentorship_id, func.max(Resource.created_at))
        .where(Resource.mentorship_id.in_(scope))
        .group_by(Resource.mentorship_id),
        select(Milestone.mentorship_id, func.max(Milestone.reached_at))
        .where(
            Milestone.mentorship_id.in_(scope),
            Milestone.reached_at.is_not(None),
            pair_reached_milestone(),
        )
        .group_by(Milestone.mentorship_id),
        select(Kudos.mentorship_id, func.max(Kudos.created_at))
        .where(Kudos.mentorship_id.in_(scope), kudos_between_the_two())
        .group_by(Kudos.mentorship_id),
    )
    out: dict[int, datetime] = {}
    for query in sources:
        for mid, at in session.execute(query):
            if mid is not None and at is not None:
                at = as_utc(at)
                out[mid] = max(out.get(mid, at), at)
    return out
