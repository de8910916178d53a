"""Periodic relationship reviews: seven statements on a 1-5 scale plus "what should we change?".

Answers are private to their author unless shared with the partner; coordinators only ever get
program-wide counts and means, released in batches (RELEASE_BATCH, RELEASE_GAP). Scores are stored a row
per statement so SQL can aggregate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mentorloom.dates import format_day
from mentorloom.db import as_utc, lock_row, utcnow
from mentorloom.errors import Conflict, NotFound, ValidationFailed
from mentorloom.i18n import N_, gettext
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import agreements
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.lifecycle import status_label
from mentorloom.mentorships.models import (
    Agreement,
    Mentorship,
    MentorshipStatus,
    ReviewAnswer,
    ReviewPendingAnswer,
    ReviewRelease,
    ReviewSubmission,
    Side,
)
from mentorloom.mentorships.validation import Checks
from mentorloom.programs.models import Program, Role, role_label
from mentorloom.programs.schemas import ProgramSettings

# Stable keys (stored, aggregated, read by the health score later) with their English text.
STATEMENTS: dict[str, str] = {
    "meet_as_agreed": N_("We meet as often as we agreed."),
    "feel_heard": N_("I feel heard."),
    "progress_on_goals": N_("We make progress on our goals."),
    "trust_partner": N_("I trust my partner."),
    "useful_feedback_received": N_("I get useful feedback."),
    "useful_feedback_given": N_("I give useful feedback."),
    "would_recommend": N_("I would recommend a mentorship like ours to others."),
}
REVIEWABLE = frozenset({MentorshipStatus.ACTIVE, MentorshipStatus.COMPLETING})
MAX_SUGGESTION = 2000
DIFFERENCE = 2  # shared scores this far apart are shown as "you see this differently"
MIN_FOR_MEAN = 3  # below this many answers a program mean could point at one person
# Coordinators' figures move only in batches: a change per answer gives that answer away (new mean × n
# − old mean × (n − 1)). A re-submission counts as new, but each answer once per batch.
RELEASE_BATCH = 5
RELEASE_GAP = timedelta(weeks=4)  # at most one release this often, so a release can't be timed to a pair


def statement_text(key: str) -> str:
    return gettext(STATEMENTS[key])


def interval(program: Program) -> timedelta:
    return timedelta(weeks=ProgramSettings.model_validate(program.settings or {}).review_interval_weeks)


@dataclass
class ReviewDue:
    due: bool
    period: int  # the review round open now; 0 before the first one opens
    opened_at: datetime | None
    next_opens_at: datetime | None
    answered: bool
    opened_early: bool = False  # the round open now was opened by a first answer before its date

    @property
    def can_open_early(self) -> bool:
        """No round waits for an answer, so the caller may answer the next one now."""
        return not self.due and not self.opened_early and self.next_opens_at is not None


def due(session: Session, seat: Seat, program: Program, now: datetime | None = None) -> ReviewDue:
    """Whether the caller (a coordinator: either side) still has to answer the review open now."""
    mentorship, now = seat.mentorship, now or utcnow()
    if mentorship.started_at is None or mentorship.status not in REVIEWABLE:
        return ReviewDue(False, 0, None, None, False)
    started, step = as_utc(mentorship.started_at), interval(program)
    early = _opened_early(session, mentorship, scheduled_round(started, step, now) + 1)
    period, opened_at = open_round(started, step, now, early)
    sides = {seat.side} if seat.side else set(Side)
    answered_sides = set(
        session.scalars(
            select(ReviewSubmission.side).where(
                ReviewSubmission.mentorship_id == mentorship.id, ReviewSubmission.period == period
            )
        )
    )
    answered = period > 0 and sides <= answered_sides
    next_opens = started + (period + 1) * step
    return ReviewDue(period > 0 and not answered, period, opened_at, next_opens, answered, early is not None)


def scheduled_round(started: datetime, step: timedelta, now: datetime) -> int:
    """The round the schedule has opened by `now` (0 before the first one)."""
    return max(0, (now - started) // step)


def open_round(
    started: datetime, step: timedelta, now: datetime, next_first_answer: datetime | None
) -> tuple[int, datetime | None]:
    """The round open now and since when; `next_first_answer` is the first answer to the round after the
    scheduled one, if any: one side answering early opens that round for both."""
    period = scheduled_round(started, step, now)
    if next_first_answer is not None:
        return period + 1, next_first_answer
    return period, started + period * step if period else None


def _opened_early(session: Session, mentorship: Mentorship, period: int) -> datetime | None:
    """When a round that is not due yet was opened by a first answer; None while nobody answered it."""
    first = session.scalar(
        select(func.min(ReviewSubmission.submitted_at)).where(
            ReviewSubmission.mentorship_id == mentorship.id, ReviewSubmission.period == period
        )
    )
    return as_utc(first) if first else None


def _checked(scores: Mapping[str, int], suggestion: str) -> str:
    checks = Checks()
    for key in STATEMENTS:
        if key not in scores:
            checks.fail(f"scores.{key}", _("Please answer this statement."))
        elif not 1 <= scores[key] <= 5:
            checks.fail(f"scores.{key}", _("Answer on the scale from 1 to 5."))
    for key in scores:
        if key not in STATEMENTS:
            checks.fail(f"scores.{key}", _("This is not one of the review's statements."))
    cleaned = checks.text(suggestion, "change_suggestion", MAX_SUGGESTION)
    checks.done()
    return cleaned


def submit(
    session: Session,
    seat: Seat,
    program: Program,
    scores: Mapping[str, int],
    suggestion: str,
    shared: bool,
    now: datetime | None = None,
    *,
    early: bool = False,
) -> ReviewSubmission:
    """Answer (or re-answer) the review open now; shared answers become visible to the partner.

    `early`: with no round open to answer, answer the next one before its date, which opens it for the
    partner too (as either side can open the fit check early).
    """
    side = seat.require_pair()
    now = now or utcnow()
    suggestion = _checked(scores, suggestion)
    lock(session, seat.mentorship)
    if seat.mentorship.status not in REVIEWABLE:
        raise Conflict(
            _(
                "Reviews are answered while a mentorship is active; this one is %(current)s.",
                current=status_label(seat.mentorship.status),
            )
        )
    state = due(session, seat, program, now)
    period = state.period + 1 if early and state.can_open_early else state.period
    if period == 0:
        assert state.next_opens_at is not None
        raise Conflict(_("The first review opens on %(date)s.", date=format_day(state.next_opens_at)))
    submission = _store(session, seat, program, period, side, scores)
    submission.shared_with_partner, submission.change_suggestion = shared, suggestion
    submission.submitted_at = now
    session.flush()
    note_change(session, submission)
    release_if_due(session, program.id, now)
    return submission


def _store(
    session: Session, seat: Seat, program: Program, period: int, side: Side, scores: Mapping[str, int]
) -> ReviewSubmission:
    submission = session.scalar(
        select(ReviewSubmission).where(
            ReviewSubmission.mentorship_id == seat.mentorship.id,
            ReviewSubmission.period == period,
            ReviewSubmission.side == side,
        )
    )
    if submission is None:
        submission = ReviewSubmission(mentorship_id=seat.mentorship.id, program_id=program.id, period=period, side=side)
        session.add(submission)
    # Scores are updated in place: replacing the rows would insert before deleting and trip the unique key.
    existing = {answer.statement: answer for answer in submission.answers}
    for key in STATEMENTS:
        if key in existing:
            existing[key].score = scores[key]
        else:
            submission.answers.append(ReviewAnswer(statement=key, score=scores[key]))
    return submission


def submissions(session: Session, mentorship: Mentorship, side: Side, *, shared_only: bool) -> list[ReviewSubmission]:
    """One side's submissions, newest first (only the shared ones when the partner asks)."""
    query = select(ReviewSubmission).where(
        ReviewSubmission.mentorship_id == mentorship.id, ReviewSubmission.side == side
    )
    if shared_only:
        query = query.where(ReviewSubmission.shared_with_partner.is_(True))
    return list(session.scalars(query.order_by(ReviewSubmission.period.desc())))


@dataclass
class StatementComparison:
    statement: str
    text: str
    mentor: int
    mentee: int
    difference: int
    differs: bool


@dataclass
class Comparison:
    period: int
    items: list[StatementComparison]
    suggestions: dict[Side, str]


def comparison(session: Session, seat: Seat, period: int | None = None) -> Comparison | None:
    """Both sides' shared answers of one round (default: the newest both shared), statement by statement."""
    seat.require_pair()
    both = _shared_by_both(session, seat.mentorship)
    if period is None:
        period = max(both, default=None)
    if period is None or period not in both:
        return None
    mentor, mentee = both[period][Side.MENTOR], both[period][Side.MENTEE]
    theirs = {a.statement: a.score for a in mentee.answers}
    items = []
    for answer in mentor.answers:
        gap = abs(answer.score - theirs[answer.statement])
        items.append(
            StatementComparison(
                answer.statement,
                statement_text(answer.statement),
                answer.score,
                theirs[answer.statement],
                gap,
                gap >= DIFFERENCE,
            )
        )
    return Comparison(period, items, {Side.MENTOR: mentor.change_suggestion, Side.MENTEE: mentee.change_suggestion})


def _shared_by_both(session: Session, mentorship: Mentorship) -> dict[int, dict[Side, ReviewSubmission]]:
    rows = session.scalars(
        select(ReviewSubmission).where(
            ReviewSubmission.mentorship_id == mentorship.id, ReviewSubmission.shared_with_partner.is_(True)
        )
    )
    by_period: dict[int, dict[Side, ReviewSubmission]] = {}
    for row in rows:
        by_period.setdefault(row.period, {})[row.side] = row
    return {p: sides for p, sides in by_period.items() if len(sides) == 2}


def suggestion_to_agreement(session: Session, seat: Seat, program: Program, period: int, side: Side) -> Agreement:
    """Turn a visible "what should we change?" answer into a change of the agreement (a draft with a note)."""
    mine = seat.require_pair()
    submission = session.scalar(
        select(ReviewSubmission).where(
            ReviewSubmission.mentorship_id == seat.mentorship.id,
            ReviewSubmission.period == period,
            ReviewSubmission.side == side,
        )
    )
    if submission is None or (side is not mine and not submission.shared_with_partner):
        raise NotFound(_("Review answer not found."))
    if not submission.change_suggestion:
        raise ValidationFailed(_("This answer has no suggestion to take over."), field="side")
    who = role_label(Role.MENTOR if side is Side.MENTOR else Role.MENTEE)
    note = _("From review %(period)d (%(who)s): %(text)s", period=period, who=who, text=submission.change_suggestion)
    return agreements.draft_with_note(session, seat, program, note)


@dataclass
class StatementSummary:
    statement: str
    text: str
    count: int
    mean: float | None


@dataclass
class ReleasedSummary:
    released_at: datetime | None  # None: not enough answers released yet
    statements: list[StatementSummary]


def note_change(session: Session, submission: ReviewSubmission) -> None:
    """Count an answer as new for the next release (once, however often it is re-submitted)."""
    _lock_program(session, submission.program_id)
    if session.get(ReviewPendingAnswer, submission.id) is None:
        session.add(ReviewPendingAnswer(submission_id=submission.id, program_id=submission.program_id))
        session.flush()


def _lock_program(session: Session, program_id: int) -> None:
    # Releases of one program are decided one at a time: two at once could each cover a different
    # last answer, and their difference would be that answer.
    lock_row(session, Program.name, program_id)


def latest_release(session: Session, program_id: int) -> ReviewRelease | None:
    return session.scalar(
        select(ReviewRelease)
        .where(ReviewRelease.program_id == program_id)
        .order_by(ReviewRelease.released_at.desc(), ReviewRelease.id.desc())
        .limit(1)
    )


def _pending(session: Session, program_id: int) -> int:
    query = select(func.count()).select_from(ReviewPendingAnswer).where(ReviewPendingAnswer.program_id == program_id)
    return int(session.scalar(query) or 0)


@dataclass
class ReleaseOutlook:
    """When coordinators' figures can move next: enough new answers, and the gap since the last release."""

    new_answers: int  # answers counted for the next release
    needed: int  # more new answers before a release (0: enough are in)
    not_before: datetime | None  # the release gap ends then; None: no gap to wait for


def release_outlook(session: Session, program_id: int, now: datetime | None = None) -> ReleaseOutlook:
    """The next release's conditions as they stand (read after `program_summary`, which releases what is due)."""
    now = now or utcnow()
    pending, last = _pending(session, program_id), latest_release(session, program_id)
    gap_ends = as_utc(last.released_at) + RELEASE_GAP if last is not None else None
    return ReleaseOutlook(pending, max(0, RELEASE_BATCH - pending), gap_ends if gap_ends and gap_ends > now else None)


def _release_due(session: Session, program_id: int, now: datetime) -> bool:
    last = latest_release(session, program_id)
    if last is not None and now - as_utc(last.released_at) < RELEASE_GAP:
        return False
    return _pending(session, program_id) >= RELEASE_BATCH


def release_if_due(session: Session, program_id: int, now: datetime | None = None) -> ReviewRelease | None:
    """Release the program's figures when enough answers are new and the last release is old enough."""
    now = now or utcnow()
    if not _release_due(session, program_id, now):
        return None
    _lock_program(session, program_id)
    if not _release_due(session, program_id, now):  # someone else released while we waited for the lock
        return None
    release = ReviewRelease(
        program_id=program_id,
        released_at=now,
        new_answers=_pending(session, program_id),
        figures=_live_figures(session, program_id),
    )
    session.add(release)
    session.execute(delete(ReviewPendingAnswer).where(ReviewPendingAnswer.program_id == program_id))
    session.flush()
    return release


def _live_figures(session: Session, program_id: int) -> dict[str, dict[str, float]]:
    rows = session.execute(
        select(ReviewAnswer.statement, func.count(), func.avg(ReviewAnswer.score))
        .join(ReviewSubmission)
        .where(ReviewSubmission.program_id == program_id)
        .group_by(ReviewAnswer.statement)
    )
    return {statement: {"count": int(n), "mean": float(mean)} for statement, n, mean in rows}


def program_summary(session: Session, program_id: int, now: datetime | None = None) -> ReleasedSummary:
    """Per statement: count and mean as last released for the program (what coordinators see).

    Reading may release a batch that waited for the release gap to pass: when that happens depends only
    on counts and time, never on who reads.
    """
    release_if_due(session, program_id, now)
    release = latest_release(session, program_id)
    figures = release.figures if release else {}
    summary = []
    for key in STATEMENTS:
        n, mean = int(figures.get(key, {}).get("count", 0)), float(figures.get(key, {}).get("mean", 0.0))
        summary.append(StatementSummary(key, statement_text(key), n, round(mean, 2) if n >= MIN_FOR_MEAN else None))
    return ReleasedSummary(as_utc(release.released_at) if release else None, summary)
