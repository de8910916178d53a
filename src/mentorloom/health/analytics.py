"""Program analytics for coordinators: participants, matching, pairs under way, meetings against the agreed rhythm,
feedback, goals, milestones, reasons for early endings and cohorts by start month, for a date range.

What the range filters (both days included, UTC):
* participants: mentors and mentees in the program by the range's last day;
* matching: mentees who joined during the range; "matched" means a mentorship of theirs has started (at any time
  up to today), and the time to match runs from joining to the first such mentorship's creation;
* pairs under way: started by the range's end and not ended before its start; their meetings, goals and
  meetings-per-month are counted inside the range only;
* feedback: answers on meetings held during the range that their authors did not keep private;
* milestones: reached during the range; early endings: pairs that ended early during the range;
* cohorts: pairs that started during the range, by start month, with their state today.

Privacy: every count goes through `cells` (1 to 4 hidden, secondary suppression in rows and columns that add up),
averages need `MIN_CELL` answers. Every figure comes from a fixed number of grouped queries, whatever the size of
the program: Python only walks the result rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from mentorloom.db import as_utc, utcnow
from mentorloom.engagement.models import Milestone
from mentorloom.health import facts
from mentorloom.health.cells import MIN_CELL, Cell, count, protect, share
from mentorloom.health.ranges import DAYS_PER_MONTH, DateRange, Month, months_between
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.meetings.recurrence import CADENCE_DAYS
from mentorloom.mentorships.models import Agreement, ClosureReason, Goal, GoalStatus, Mentorship, MentorshipStatus
from mentorloom.programs.models import Membership, Program, Role

S = MentorshipStatus
STARTED = (S.ACTIVE, S.PAUSED, S.COMPLETING, S.COMPLETED, S.ENDED_EARLY)
UNDER_WAY = (S.ACTIVE, S.PAUSED, S.COMPLETING)
NO_REASON = "not_given"
REASONS = [r.value for r in ClosureReason] + [NO_REASON]


@dataclass
class Summary:
    mentors: Cell
    mentees: Cell
    joined: Cell  # mentees who joined in the range
    matched: Cell  # ... of whom a mentorship has started
    waiting: Cell  # ... of whom none has
    match_rate: float | None
    median_days_to_match: float | None  # from MIN_CELL matched mentees on
    pairs_under_way: Cell
    meetings_held: Cell
    held_per_pair_month: float | None
    agreed_per_pair_month: float | None
    feedback_answers: Cell
    feedback_average: float | None  # from MIN_CELL answers on
    goals_set: Cell
    goals_achieved: Cell
    goals_open: Cell
    goal_completion: float | None
    milestones_reached: Cell
    ended_early: Cell  # the total of the endings table (the same cell)
    _pair_months: float = field(default=0.0, repr=False)
    _agreed: float = field(default=0.0, repr=False)


@dataclass
class MonthMeetings:
    month: Month
    pairs: Cell  # under way during the month
    held: Cell
    held_per_pair: float | None
    agreed_per_pair: float | None
    _pair_months: float = field(default=0.0, repr=False)  # pair-days / DAYS_PER_MONTH
    _agreed: float = field(default=0.0, repr=False)  # meetings the pairs' rhythms ask for in the month


@dataclass
class Ending:
    reason: str  # a ClosureReason value or NO_REASON
    pairs: Cell


@dataclass
class Cohort:
    month: Month
    started: Cell
    under_way: Cell
    completed: Cell
    ended_early: Cell


@dataclass
class Analytics:
    range: DateRange
    summary: Summary
    meetings: list[MonthMeetings]
    endings: list[Ending]
    cohorts: list[Cohort]
    computed_at: datetime = field(default_factory=utcnow)

    @property
    def has_pairs(self) -> bool:
        """Whether any pair was under way in the range (the page explains what to do otherwise)."""
        return self.summary.pairs_under_way.raw > 0


@dataclass
class _Pair:
    id: int
    start: datetime
    end: datetime | None
    status: MentorshipStatus
    reason: ClosureReason | None
    cadence_days: int = 30


def compute(session: Session, program: Program, period: DateRange, now: datetime | None = None) -> Analytics:
    """Every figure of the analytics page for `period` (a fixed number of grouped queries)."""
    now = now or utcnow()
    start_at, end_at = period.bounds()
    pairs = _pairs(session, program, start_at, end_at)
    months = months_between(period.start, period.end)
    meetings, held_total = _meetings(session, program, pairs, months, start_at, min(end_at, now), now)
    endings, ended_total = _endings(pairs, start_at, end_at)
    cohorts = _cohorts(pairs, months, start_at, end_at)
    summary = _summary(session, program, period, pairs, meetings, held_total, ended_total, now)
    _protect_all(summary, meetings, endings, cohorts)
    _fill_rates(summary, meetings)
    return Analytics(period, summary, meetings, endings, cohorts, now)


# --- queries -------------------------------------------------------------------------------------------------------


def _under_way_scope(program_id: int, start_at: datetime, end_at: datetime) -> Select[Any]:
    return select(Mentorship.id).where(
        Mentorship.program_id == program_id,
        Mentorship.status.in_(STARTED),
        Mentorship.started_at.is_not(None),
        Mentorship.started_at < end_at,
        or_(Mentorship.ended_at.is_(None), Mentorship.ended_at >= start_at),
    )


def _pairs(session: Session, program: Program, start_at: datetime, end_at: datetime) -> list[_Pair]:
    """Pairs under way at some time in the range (those that ended in it included), with their agreed rhythm."""
    scope = _under_way_scope(program.id, start_at, end_at)
    rows = session.execute(
        select(Mentorship.id, Mentorship.started_at, Mentorship.ended_at, Mentorship.status, Mentorship.closure_reason)
        .where(Mentorship.id.in_(scope))
        .order_by(Mentorship.id)
    ).all()
    cadences = facts.agreements(session, scope)
    out = []
    for mid, started, ended, status, reason in rows:
        if started is None:  # excluded by the scope; keeps the types honest
            continue
        cadence, _confirmed = cadences.get(mid, (program.default_cadence, False))
        end = as_utc(ended) if ended else None
        out.append(_Pair(mid, as_utc(started), end, status, reason, CADENCE_DAYS[cadence]))
    return out


def _participants(session: Session, program_id: int, end_at: datetime) -> dict[Role, int]:
    rows = session.execute(
        select(Membership.role, func.count(Membership.id))
        .where(Membership.program_id == program_id, Membership.created_at < end_at)
        .group_by(Membership.role)
    )
    return {role: n for role, n in rows}


def _days_to_match(session: Session, program_id: int, start_at: datetime, end_at: datetime) -> list[float | None]:
    """Per mentee who joined in the range: days from joining to their first started mentorship (None: not yet)."""
    first = (
        select(Mentorship.mentee_id.label("mentee_id"), func.min(Mentorship.created_at).label("at"))
        .where(Mentorship.program_id == program_id, Mentorship.started_at.is_not(None))
        .group_by(Mentorship.mentee_id)
        .subquery()
    )
    rows = session.execute(
        select(Membership.created_at, first.c.at)
        .outerjoin(first, first.c.mentee_id == Membership.id)
        .where(
            Membership.program_id == program_id,
            Membership.role == Role.MENTEE,
            Membership.created_at >= start_at,
            Membership.created_at < end_at,
        )
    )
    out: list[float | None] = []
    for joined, matched in rows:
        if matched is None:
            out.append(None)
        else:
            # a mentee added to a pair that existed before their membership row counts as matched at once
            out.append(max(0.0, (as_utc(matched) - as_utc(joined)).total_seconds() / 86400))
    return out


def _held_by_month(session: Session, program_id: int, start_at: datetime, end_at: datetime) -> dict[Month, int]:
    if session.get_bind().dialect.name == "postgresql":
        month = func.to_char(func.timezone("UTC", Meeting.starts_at), "YYYY-MM")
    else:
        month = func.strftime("%Y-%m", Meeting.starts_at)
    rows = session.execute(
        select(month, func.count(Meeting.id))
        .join(Mentorship, Mentorship.id == Meeting.mentorship_id)
        .where(
            Meeting.program_id == program_id,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= start_at,
            Meeting.starts_at < end_at,
            Mentorship.status.in_(STARTED),
        )
        .group_by(month)
    )
    return {Month.parse(key): n for key, n in rows}


def _feedback(session: Session, program_id: int, start_at: datetime, end_at: datetime) -> tuple[int, float | None]:
    """(answers, mean usefulness) of feedback not kept private on meetings held in the range."""
    n, mean = session.execute(
        select(func.count(MeetingFeedback.id), func.avg(MeetingFeedback.usefulness))
        .join(Meeting, Meeting.id == MeetingFeedback.meeting_id)
        .where(
            MeetingFeedback.program_id == program_id,
            MeetingFeedback.visibility != FeedbackVisibility.PRIVATE,
            Meeting.status == MeetingStatus.HELD,
            Meeting.starts_at >= start_at,
            Meeting.starts_at < end_at,
        )
    ).one()
    return int(n or 0), (float(mean) if mean is not None else None)


def _goals(session: Session, scope: Select[Any]) -> tuple[int, int]:
    """(goals set, goals achieved) in the newest agreement of each pair's current cycle; dropped goals left out."""
    newest = (
        select(func.max(Agreement.id))
        .join(Mentorship, and_(Mentorship.id == Agreement.mentorship_id, Mentorship.cycle == Agreement.cycle))
        .where(Agreement.mentorship_id.in_(scope))
        .group_by(Agreement.mentorship_id)
    )
    keys = session.execute(select(Goal.mentorship_id, Goal.key).where(Goal.agreement_id.in_(newest)))
    states = facts.goal_states(session, scope)
    n_set = n_achieved = 0
    for mid, key in keys:
        status, _progress = states.get((mid, key), (GoalStatus.NOT_STARTED, 0))
        if status is not GoalStatus.DROPPED:
            n_set += 1
            n_achieved += status is GoalStatus.ACHIEVED
    return n_set, n_achieved


def _milestones(session: Session, program_id: int, start_at: datetime, end_at: datetime) -> int:
    return (
        session.scalar(
            select(func.count(Milestone.id)).where(
                Milestone.program_id == program_id,
                Milestone.reached_at.is_not(None),
                Milestone.reached_at >= start_at,
                Milestone.reached_at < end_at,
            )
        )
        or 0
    )


# --- tables --------------------------------------------------------------------------------------------------------


def _overlap_days(pair: _Pair, lo: datetime, hi: datetime, now: datetime) -> float:
    end = min(pair.end or now, hi, now)
    start = max(pair.start, lo)
    return max(0.0, (end - start).total_seconds() / 86400)


def _meetings(
    session: Session,
    program: Program,
    pairs: list[_Pair],
    months: list[Month],
    start_at: datetime,
    end_at: datetime,
    now: datetime,
) -> tuple[list[MonthMeetings], Cell]:
    """Per month of the range: pairs under way, meetings held, and held vs agreed per pair and month."""
    held = _held_by_month(session, program.id, start_at, end_at)
    out = []
    for month in months:
        lo, hi = max(month.start_at(), start_at), min(month.end_at(), end_at)
        days = [(p, _overlap_days(p, lo, hi, now)) for p in pairs]
        days = [(p, d) for p, d in days if d > 0]
        pair_months = sum(d for _p, d in days) / DAYS_PER_MONTH
        agreed = sum(d / p.cadence_days for p, d in days)
        out.append(MonthMeetings(month, count(len(days)), count(held.get(month, 0)), None, None, pair_months, agreed))
    return out, count(sum(held.get(m, 0) for m in months))


def _endings(pairs: list[_Pair], start_at: datetime, end_at: datetime) -> tuple[list[Ending], Cell]:
    counts: Counter[str] = Counter()
    for p in pairs:
        if p.status is S.ENDED_EARLY and p.end is not None and start_at <= p.end < end_at:
            counts[p.reason.value if p.reason else NO_REASON] += 1
    return [Ending(reason, count(counts[reason])) for reason in REASONS], count(sum(counts.values()))


def _cohorts(pairs: list[_Pair], months: list[Month], start_at: datetime, end_at: datetime) -> list[Cohort]:
    by_month: dict[Month, Counter[str]] = defaultdict(Counter)
    for p in pairs:
        if start_at <= p.start < end_at:
            state = "under_way" if p.status in UNDER_WAY else p.status.value
            by_month[Month.of(p.start)][state] += 1
    out = []
    for month in months:
        c = by_month.get(month, Counter())
        started = c["under_way"] + c["completed"] + c["ended_early"]
        out.append(Cohort(month, count(started), count(c["under_way"]), count(c["completed"]), count(c["ended_early"])))
    return out


def _summary(
    session: Session,
    program: Program,
    period: DateRange,
    pairs: list[_Pair],
    meetings: list[MonthMeetings],
    held_total: Cell,
    ended_total: Cell,
    now: datetime,
) -> Summary:
    start_at, end_at = period.bounds()
    people = _participants(session, program.id, end_at)
    waits = _days_to_match(session, program.id, start_at, end_at)
    matched_days = [d for d in waits if d is not None]
    answers, average = _feedback(session, program.id, start_at, end_at)
    scope = _under_way_scope(program.id, start_at, end_at)
    n_set, n_achieved = _goals(session, scope)
    pair_months = sum(m._pair_months for m in meetings)
    agreed = sum(m._agreed for m in meetings)
    under_way = [p for p in pairs if p.start < end_at and (p.end is None or p.end >= start_at)]
    summary = Summary(
        mentors=count(people.get(Role.MENTOR, 0)),
        mentees=count(people.get(Role.MENTEE, 0)),
        joined=count(len(waits)),
        matched=count(len(matched_days)),
        waiting=count(len(waits) - len(matched_days)),
        match_rate=None,
        median_days_to_match=round(median(matched_days), 1) if len(matched_days) >= MIN_CELL else None,
        pairs_under_way=count(len(under_way)),
        meetings_held=held_total,
        held_per_pair_month=None,
        agreed_per_pair_month=None,
        feedback_answers=count(answers),
        feedback_average=round(average, 2) if average is not None and answers >= MIN_CELL else None,
        goals_set=count(n_set),
        goals_achieved=count(n_achieved),
        goals_open=count(n_set - n_achieved),
        goal_completion=None,
        milestones_reached=count(_milestones(session, program.id, start_at, end_at)),
        ended_early=ended_total,
        _pair_months=pair_months,
        _agreed=agreed,
    )
    return summary


def _protect_all(summary: Summary, meetings: list[MonthMeetings], endings: list[Ending], cohorts: list[Cohort]) -> None:
    """Secondary suppression over every sum a reader can form (see `cells`)."""
    s = summary
    groups: list[list[Cell]] = [
        [s.matched, s.waiting, s.joined],
        [s.goals_achieved, s.goals_open, s.goals_set],
        [*(e.pairs for e in endings), s.ended_early],
        [*(m.held for m in meetings), s.meetings_held],
    ]
    for c in cohorts:
        groups.append([c.under_way, c.completed, c.ended_early, c.started])
    # The columns' sums appear nowhere as such, but pairs started in the range may equal pairs under way (and the
    # ended-early column may equal the endings total): treat every column's sum as known.
    for column in ("started", "under_way", "completed", "ended_early"):
        groups.append([getattr(c, column) for c in cohorts])
    protect(groups)


def _fill_rates(summary: Summary, meetings: list[MonthMeetings]) -> None:
    """Rates from shown counts only, and per-pair figures only for MIN_CELL pairs or more."""
    summary.match_rate = _pct(share(summary.matched, summary.joined))
    summary.goal_completion = _pct(share(summary.goals_achieved, summary.goals_set))
    summary.held_per_pair_month, summary.agreed_per_pair_month = _per_pair(
        summary.pairs_under_way,
        summary.meetings_held,
        summary._pair_months,
        summary._agreed,
    )
    for m in meetings:
        m.held_per_pair, m.agreed_per_pair = _per_pair(m.pairs, m.held, m._pair_months, m._agreed)


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(100 * fraction, 1)


def _per_pair(pairs: Cell, held: Cell, pair_months: float, agreed: float) -> tuple[float | None, float | None]:
    if pairs.value is None or pairs.raw < MIN_CELL or held.value is None or pair_months <= 0:
        return None, None
    return round(held.value / pair_months, 2), round(agreed / pair_months, 2)
