"""Rows → API shapes. The privacy rule lives in `pair_home` vs `coordinator_view`: what each may read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from mentorloom.db import as_utc
from mentorloom.mentorships import agreements, closing, fitcheck, goals, queries, reviews
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import (
    Agreement,
    Goal,
    GoalProgress,
    Mentorship,
    MentorshipTransition,
    Retrospective,
    ReviewSubmission,
    Side,
)
from mentorloom.mentorships.schemas import (
    ActivityOut,
    AgreementOut,
    AgreementStatusOut,
    ChecklistOut,
    ComparedStatement,
    ComparisonOut,
    CoordinatorViewOut,
    FitCheckOut,
    GoalOut,
    MentorshipOut,
    PairHomeOut,
    PersonOut,
    ProgressOut,
    RetrospectiveOut,
    ReviewDueOut,
    ReviewOut,
    ReviewSummaryOut,
    SideTermsOut,
    StatementOut,
    StatementSummaryOut,
    TimelineOut,
    TransitionOut,
)
from mentorloom.permissions import Action
from mentorloom.programs.models import Membership, Program


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value else None


def mentorship_out(m: Mentorship) -> MentorshipOut:
    return MentorshipOut(
        id=m.id,
        program_id=m.program_id,
        status=m.status,
        source=m.source,
        cycle=m.cycle,
        mentor=PersonOut(membership_id=m.mentor_id, name=m.mentor.user.display_name),
        mentee=PersonOut(membership_id=m.mentee_id, name=m.mentee.user.display_name),
        created_at=as_utc(m.created_at),
        started_at=_utc(m.started_at),
        cycle_started_at=_utc(m.cycle_started_at),
        planned_end_on=m.planned_end_on,
        ended_at=_utc(m.ended_at),
        closure_reason=m.closure_reason,
        rematch_requested=m.rematch_requested,
        rematch_priority=m.rematch_priority,
    )


def transition_out(t: MentorshipTransition, names: dict[int | None, str], *, private: bool) -> TransitionOut:
    """`private`: the pair's own words are included (never for coordinators)."""
    return TransitionOut(
        from_status=t.from_status,
        to_status=t.to_status,
        action=t.action,
        by=names.get(t.by_user_id, "") if t.by_user_id else None,
        at=as_utc(t.at),
        reason=t.reason if private else None,
        closure_reason=t.closure_reason,
        rematch_requested=t.rematch_requested,
    )


def transitions_out(session: Session, seat: Seat) -> list[TransitionOut]:
    rows = queries.transitions(session, seat.mentorship)
    names = queries.names(seat.mentorship, session, {t.by_user_id for t in rows})
    return [transition_out(t, names, private=seat.can(Action.WORK_IN_PAIR)) for t in rows]


def goal_out(goal: Goal, state: goals.GoalState, agreed: bool) -> GoalOut:
    return GoalOut(
        key=goal.key,
        title=goal.title,
        description=goal.description,
        success_criteria=goal.success_criteria,
        target_date=goal.target_date,
        skills=[tag.label for tag in goal.skills],
        lock_version=goal.lock_version,
        agreed=agreed,
        status=state.status,
        progress=state.progress,
        progress_updated_at=_utc(state.updated_at),
    )


@dataclass(frozen=True)
class GoalFacts:
    """What every version's goals are shown with, read once per mentorship: progress states and agreed keys."""

    states: dict[str, goals.GoalState]
    agreed: set[str]

    @classmethod
    def of(cls, session: Session, mentorship: Mentorship) -> GoalFacts:
        return cls(goals.states(session, mentorship), goals.agreed_keys(session, mentorship))

    def out(self, items: list[Goal]) -> list[GoalOut]:
        default = goals.GoalState(goals.GoalStatus.NOT_STARTED, 0, None)
        return [goal_out(g, self.states.get(g.key, default), g.key in self.agreed) for g in items]


def goals_out(session: Session, mentorship: Mentorship, items: list[Goal]) -> list[GoalOut]:
    return GoalFacts.of(session, mentorship).out(items)


def _terms(a: Agreement, side: str) -> SideTermsOut:
    return SideTermsOut(
        expectations=getattr(a, f"{side}_expectations"),
        checklist=ChecklistOut(
            confidentiality=getattr(a, f"{side}_confidentiality"),
            preferred_channel=getattr(a, f"{side}_preferred_channel"),
            expected_response_time=getattr(a, f"{side}_response_time"),
            feedback_style=getattr(a, f"{side}_feedback_style"),
        ),
    )


def agreement_out(session: Session, a: Agreement, mentorship: Mentorship) -> AgreementOut:
    return agreements_out(session, [a], mentorship)[0]


def agreements_out(session: Session, rows: list[Agreement], mentorship: Mentorship) -> list[AgreementOut]:
    """Versions of one mentorship; what they share (the version in force, goal facts) is read once, not per version."""
    if not rows:
        return []
    force = agreements.in_force(session, mentorship) if any(a.cycle == mentorship.cycle for a in rows) else None
    facts = GoalFacts.of(session, mentorship)
    # Only versions of the current cycle have a version in force; older cycles are history.
    return [_agreement_out(a, force.version if force and a.cycle == mentorship.cycle else None, facts) for a in rows]


def _agreement_out(a: Agreement, in_force_version: int | None, facts: GoalFacts) -> AgreementOut:
    return AgreementOut(
        id=a.id,
        cycle=a.cycle,
        version=a.version,
        status=a.status,
        in_force_version=in_force_version,
        cadence=a.cadence,
        format=a.format,
        planned_months=a.planned_months,
        mentor=_terms(a, "mentor"),
        mentee=_terms(a, "mentee"),
        note=a.note,
        created_at=as_utc(a.created_at),
        updated_at=as_utc(a.updated_at),
        confirmed_by_mentor_at=_utc(a.confirmed_by_mentor_at),
        confirmed_by_mentee_at=_utc(a.confirmed_by_mentee_at),
        lock_version=a.lock_version,
        goals=facts.out(list(a.goals)),
    )


def agreement_status_out(session: Session, a: Agreement, mentorship: Mentorship) -> AgreementStatusOut:
    force = agreements.in_force(session, mentorship)
    return AgreementStatusOut(
        cycle=a.cycle,
        version=a.version,
        status=a.status,
        in_force_version=force.version if force else None,
        cadence=a.cadence,
        format=a.format,
        planned_months=a.planned_months,
        goal_count=len(a.goals),
        confirmed_by_mentor=a.confirmed_by_mentor_at is not None,
        confirmed_by_mentee=a.confirmed_by_mentee_at is not None,
    )


def progress_out(p: GoalProgress, names: dict[int | None, str]) -> ProgressOut:
    return ProgressOut(
        id=p.id,
        goal_key=p.goal_key,
        status=p.status,
        progress=p.progress,
        note=p.note,
        by=names.get(p.author_id),
        created_at=as_utc(p.created_at),
    )


def timeline_out(e: goals.TimelineEvent) -> TimelineOut:
    return TimelineOut(
        at=as_utc(e.at),
        kind=e.kind,  # type: ignore[arg-type]
        goal_key=e.goal_key,
        title=e.title,
        by=e.by,
        reason=e.reason,
        before=e.before,
        after=e.after,
        status=e.status,
    )


def review_due_out(state: reviews.ReviewDue, program: Program) -> ReviewDueOut:
    return ReviewDueOut(
        due=state.due,
        period=state.period,
        opened_at=state.opened_at,
        next_opens_at=state.next_opens_at,
        answered=state.answered,
        interval_weeks=int(reviews.interval(program).days // 7),
        statements=[StatementOut(key=k, text=reviews.statement_text(k)) for k in reviews.STATEMENTS],
    )


def review_out(s: ReviewSubmission) -> ReviewOut:
    return ReviewOut(
        period=s.period,
        side=s.side,
        shared_with_partner=s.shared_with_partner,
        change_suggestion=s.change_suggestion,
        submitted_at=as_utc(s.submitted_at),
        scores={a.statement: a.score for a in s.answers},
    )


def comparison_out(c: reviews.Comparison | None) -> ComparisonOut:
    if c is None:
        return ComparisonOut(available=False, period=None, items=[], suggestions={})
    return ComparisonOut(
        available=True,
        period=c.period,
        items=[ComparedStatement(**vars(item)) for item in c.items],
        suggestions=c.suggestions,
    )


def review_summary_out(program_id: int, summary: reviews.ReleasedSummary) -> ReviewSummaryOut:
    return ReviewSummaryOut(
        program_id=program_id,
        released_at=summary.released_at,
        release_batch=reviews.RELEASE_BATCH,
        release_gap_days=reviews.RELEASE_GAP.days,
        min_count_for_mean=reviews.MIN_FOR_MEAN,
        statements=[StatementSummaryOut(**vars(s)) for s in summary.statements],
    )


def retrospective_out(r: Retrospective) -> RetrospectiveOut:
    return RetrospectiveOut(
        cycle=r.cycle,
        side=r.side,
        what_worked=r.what_worked,
        what_we_learned=r.what_we_learned,
        what_next=r.what_next,
        updated_at=as_utc(r.updated_at),
    )


def fit_check_out(f: fitcheck.FitCheck) -> FitCheckOut:
    return FitCheckOut(due=f.due, opened=f.opened, my_answer=f.my_answer, passed=f.passed)


def _partner_member(mentorship: Mentorship, side: Side) -> Membership:
    return mentorship.mentee if side is Side.MENTOR else mentorship.mentor


def pair_home(session: Session, seat: Seat, program: Program) -> PairHomeOut:
    """Everything the two people share about their mentorship."""
    mentorship, side = seat.mentorship, seat.require_pair()
    agreement = agreements.ensure_current(session, mentorship, program)
    retros = closing.retrospectives(session, mentorship)
    return PairHomeOut(
        mentorship=mentorship_out(mentorship),
        my_side=side,
        actions=queries.actions(seat),
        notice=queries.notice(mentorship),
        partner_erased=_partner_member(mentorship, side).user.erased_at is not None,
        agreement=agreement_out(session, agreement, mentorship) if agreement else None,
        review=review_due_out(reviews.due(session, seat, program), program),
        fit_check=fit_check_out(fitcheck.state(session, seat)),
        retrospectives=[retrospective_out(r) for r in retros.values()],
        activity=[
            ActivityOut(at=as_utc(a.at), kind=a.kind, text=a.text, by=a.by)
            for a in queries.activity(session, mentorship)
        ],
    )


def coordinator_view(session: Session, seat: Seat, program: Program) -> CoordinatorViewOut:
    """State, history and agreement status: no private answers, notes, expectations or retrospectives."""
    mentorship = seat.mentorship
    agreement = agreements.current(session, mentorship)
    return CoordinatorViewOut(
        mentorship=mentorship_out(mentorship),
        actions=queries.actions(seat),
        transitions=transitions_out(session, seat),
        agreement=agreement_status_out(session, agreement, mentorship) if agreement else None,
        review=review_due_out(reviews.due(session, seat, program), program),
    )
