"""/api/v1/programs/{id}/mentorships: lifecycle, agreement and goals, reviews, fit check, retrospectives.

Only the two people and the program's coordinators see a mentorship (everyone else: 404); coordinators
get its state, history and agreement status, never the pair's private words.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import selectinload

from mentorloom.mentorships import agreements, closing, fitcheck, goals, lifecycle, queries, reviews
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, pair_seat, seat_for, visible_mentorships
from mentorloom.mentorships.models import Mentorship, MentorshipStatus, Side
from mentorloom.mentorships.schemas import (
    AgreementOut,
    AgreementPatchIn,
    ComparisonOut,
    CoordinatorViewOut,
    DiffEntry,
    DiffOut,
    EndEarlyIn,
    FitCheckIn,
    FitCheckOut,
    GoalIn,
    GoalOut,
    GoalPatchIn,
    GoalRevisionIn,
    LockIn,
    MentorshipIn,
    MentorshipOut,
    MentorshipView,
    NewVersionIn,
    PairHomeOut,
    PlannedEndIn,
    ProgressIn,
    ProgressOut,
    ReasonIn,
    RenewIn,
    RetrospectiveIn,
    RetrospectiveOut,
    ReviewDueOut,
    ReviewIn,
    ReviewOut,
    ReviewSummaryOut,
    SuggestionIn,
    TimelineOut,
    TransitionOut,
)
from mentorloom.pagination import Page, paginate
from mentorloom.permissions import Action, program_for
from mentorloom.programs.models import Membership
from mentorloom.web.api_common import PROBLEM_RESPONSES, ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession
from mentorloom.web.inputs import MAX_INT, PathNumber

router = APIRouter(prefix="/programs/{program_id}/mentorships", tags=["mentorships"], responses=PROBLEM_RESPONSES)
CycleParam = Annotated[int | None, Query(ge=1, le=MAX_INT, description="Default: the current cycle")]


# --- list, create, view -------------------------------------------------------------------------------


@router.get("", response_model=Page[MentorshipOut])
def list_mentorships(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    status: MentorshipStatus | None = None,
    page: PageNumber = 1,
    per_page: PerPage = 50,
) -> Page[MentorshipOut]:
    """My mentorships (mentors, mentees) or all of the program (coordinators), newest first."""
    program_for(session, user, program_id)
    query = visible_mentorships(session, user, program_id).options(
        selectinload(Mentorship.mentor).selectinload(Membership.user),
        selectinload(Mentorship.mentee).selectinload(Membership.user),
    )
    if status is not None:
        query = query.where(Mentorship.status == status)
    return paginate(session, query, page, per_page, order_by=(Mentorship.id.desc(),)).as_page(out.mentorship_out)


@router.post("", response_model=MentorshipOut, status_code=201)
def create_mentorship(program_id: ObjectId, body: MentorshipIn, user: ApiUser, session: DbSession) -> MentorshipOut:
    """Propose a pair directly (coordinators); the mentor's capacity is respected and both then accept."""
    program = program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return out.mentorship_out(lifecycle.create_direct(session, program, user, body.mentor_id, body.mentee_id))


@router.get("/reviews/summary", response_model=ReviewSummaryOut)
def review_summary(program_id: ObjectId, user: ApiUser, session: DbSession) -> ReviewSummaryOut:
    """Program-wide review results per statement as last released: count and mean only (coordinators)."""
    program_for(session, user, program_id, Action.MANAGE_PROGRAM)
    return out.review_summary_out(program_id, reviews.program_summary(session, program_id))


def _seat(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> Seat:
    return seat_for(session, user, program_id, mentorship_id)


@router.get("/{mentorship_id}", response_model=MentorshipView)
def get_mentorship(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> PairHomeOut | CoordinatorViewOut:
    """The pair's home (`view: pair`) or a coordinator's view without private content (`view: coordinator`)."""
    seat = _seat(program_id, mentorship_id, user, session)
    if seat.in_pair:
        return out.pair_home(session, seat, seat.program)
    return out.coordinator_view(session, seat, seat.program)


@router.get("/{mentorship_id}/transitions", response_model=list[TransitionOut])
def list_transitions(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[TransitionOut]:
    """Every recorded change of state, oldest first (coordinators get no free-text reasons)."""
    return out.transitions_out(session, _seat(program_id, mentorship_id, user, session))


# --- lifecycle ------------------------------------------------------------------------------------------


def _transition(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, change: Callable[[Seat], object]
) -> MentorshipOut:
    """Load the mentorship as the caller may see it (404 for outsiders), apply `change` and return the mentorship.

    The services return different things (the mentorship, a transition, a new agreement); every lifecycle
    endpoint answers with the mentorship as it is afterwards.
    """
    seat = _seat(program_id, mentorship_id, user, session)
    change(seat)
    return out.mentorship_out(seat.mentorship)


def _apply(
    action: str, program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """A change of state that takes nothing but an optional reason (decline, pause, resume, complete)."""
    return _transition(
        program_id, mentorship_id, user, session, lambda seat: lifecycle.apply(session, seat, action, body.reason)
    )


@router.post("/{mentorship_id}/accept", response_model=MentorshipOut)
def accept(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> MentorshipOut:
    """Accept a proposed mentorship; it starts once both of you accepted."""
    return _transition(
        program_id, mentorship_id, user, session, lambda seat: lifecycle.accept(session, seat, seat.program)
    )


@router.post("/{mentorship_id}/decline", response_model=MentorshipOut)
def decline(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    return _apply("decline", program_id, mentorship_id, body, user, session)


@router.post("/{mentorship_id}/pause", response_model=MentorshipOut)
def pause(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    return _apply("pause", program_id, mentorship_id, body, user, session)


@router.post("/{mentorship_id}/resume", response_model=MentorshipOut)
def resume(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    return _apply("resume", program_id, mentorship_id, body, user, session)


@router.post("/{mentorship_id}/complete", response_model=MentorshipOut)
def complete(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """Enter the completing phase: both write a closing retrospective, then finish or renew."""
    return _apply("complete", program_id, mentorship_id, body, user, session)


@router.post("/{mentorship_id}/finish", response_model=MentorshipOut)
def finish(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """Complete the mentorship (the pair: after both retrospectives; coordinators: at any time)."""
    return _transition(
        program_id, mentorship_id, user, session, lambda seat: closing.finish(session, seat, body.reason)
    )


@router.post("/{mentorship_id}/renew", response_model=MentorshipOut)
def renew(
    program_id: ObjectId, mentorship_id: ObjectId, body: RenewIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """Start another cycle with a new agreement (copied from the last, open goals carried on)."""
    return _transition(
        program_id, mentorship_id, user, session, lambda seat: closing.renew(session, seat, seat.program, body.note)
    )


@router.post("/{mentorship_id}/end-early", response_model=MentorshipOut)
def end_early(
    program_id: ObjectId, mentorship_id: ObjectId, body: EndEarlyIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """End before the planned end with a closure reason; by default the mentee is offered a new match."""

    def end(seat: Seat) -> object:
        return lifecycle.end_early(session, seat, body.closure_reason, body.note, rematch=body.rematch)

    return _transition(program_id, mentorship_id, user, session, end)


@router.put("/{mentorship_id}/planned-end", response_model=MentorshipOut)
def set_planned_end(
    program_id: ObjectId, mentorship_id: ObjectId, body: PlannedEndIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    def move_end(seat: Seat) -> object:
        return lifecycle.set_planned_end(session, seat, body.planned_end_on)

    return _transition(program_id, mentorship_id, user, session, move_end)


# --- agreement -----------------------------------------------------------------------------------------


@router.get("/{mentorship_id}/agreement", response_model=AgreementOut)
def get_agreement(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> AgreementOut:
    """The current version (a draft under discussion or the confirmed one), with goals and their progress."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.ensure_current(session, seat.mentorship, seat.program)
    if agreement is None:
        raise agreements.no_agreement(seat.mentorship)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.patch("/{mentorship_id}/agreement", response_model=AgreementOut)
def update_agreement(
    program_id: ObjectId, mentorship_id: ObjectId, body: AgreementPatchIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Change shared terms and your own expectations/checklist. After confirmation this opens a new version."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    fields = body.model_dump(exclude_unset=True, exclude={"expected_response_time"})
    if body.expected_response_time is not None:
        fields["response_time"] = body.expected_response_time
    agreement = agreements.update(session, seat, seat.program, agreements.AgreementChange(**fields))
    return out.agreement_out(session, agreement, seat.mentorship)


@router.post("/{mentorship_id}/agreement/confirm", response_model=AgreementOut)
def confirm_agreement(
    program_id: ObjectId, mentorship_id: ObjectId, body: LockIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Confirm the version you read; it is in force once both of you confirmed it."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.confirm(session, seat, seat.program, body.lock_version)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.post("/{mentorship_id}/agreement/versions", response_model=AgreementOut, status_code=201)
def new_version(
    program_id: ObjectId, mentorship_id: ObjectId, body: NewVersionIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Re-open the confirmed agreement as a new draft version, with a note why."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.open_version(session, seat, seat.program, body.note, body.lock_version)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.get("/{mentorship_id}/agreement/versions", response_model=list[AgreementOut])
def list_versions(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, cycle: CycleParam = None
) -> list[AgreementOut]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.agreements_out(session, agreements.versions(session, seat.mentorship, cycle), seat.mentorship)


@router.get("/{mentorship_id}/agreement/versions/{version}", response_model=AgreementOut)
def get_version(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    version: PathNumber,
    user: ApiUser,
    session: DbSession,
    cycle: CycleParam = None,
) -> AgreementOut:
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.version_of(session, seat.mentorship, cycle or seat.mentorship.cycle, version)
    return out.agreement_out(session, agreement, seat.mentorship)


@router.get("/{mentorship_id}/agreement/diff", response_model=DiffOut)
def diff_versions(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    from_version: int = Query(ge=1, le=MAX_INT, alias="from"),
    to_version: int = Query(ge=1, le=MAX_INT, alias="to"),
    cycle: CycleParam = None,
) -> DiffOut:
    """What changed between two versions, field by field (goals matched by their key)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    cycle = cycle or seat.mentorship.cycle
    before = agreements.version_of(session, seat.mentorship, cycle, from_version)
    after = agreements.version_of(session, seat.mentorship, cycle, to_version)
    changes = [DiffEntry(**c) for c in agreements.diff(before, after)]
    return DiffOut(cycle=cycle, from_version=from_version, to_version=to_version, changes=changes)


# --- goals ---------------------------------------------------------------------------------------------


def _goal_out(session: DbSession, seat: Seat, goal: goals.Goal) -> GoalOut:
    return out.goals_out(session, seat.mentorship, [goal])[0]


@router.get("/{mentorship_id}/goals", response_model=list[GoalOut])
def list_goals(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> list[GoalOut]:
    """The goals of the current agreement version with status and progress."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = agreements.ensure_current(session, seat.mentorship, seat.program)
    return out.goals_out(session, seat.mentorship, list(agreement.goals) if agreement else [])


@router.post("/{mentorship_id}/goals", response_model=GoalOut, status_code=201)
def add_goal(program_id: ObjectId, mentorship_id: ObjectId, body: GoalIn, user: ApiUser, session: DbSession) -> GoalOut:
    """Add a goal (to the draft; after confirmation this opens a new agreement version)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _goal_out(session, seat, goals.add_goal(session, seat, seat.program, body.model_dump()))


@router.get("/{mentorship_id}/goals/timeline", response_model=list[TimelineOut])
def goal_timeline(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[TimelineOut]:
    """How our goals changed: added, revised (with reasons), status changes; oldest first."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return [out.timeline_out(e) for e in goals.timeline(session, seat.mentorship)]


def _change(seat: Seat, session: DbSession, key: str, body: GoalPatchIn) -> goals.Goal:
    fields = body.model_dump(exclude_unset=True, exclude={"lock_version", "reason"})
    return goals.change_goal(session, seat, seat.program, key, fields, body.lock_version, body.reason)


@router.patch("/{mentorship_id}/goals/{key}", response_model=GoalOut)
def update_goal(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, body: GoalPatchIn, user: ApiUser, session: DbSession
) -> GoalOut:
    """Edit a goal; once agreed, give a `reason` (kept in the goal's history)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _goal_out(session, seat, _change(seat, session, key, body))


@router.post("/{mentorship_id}/goals/{key}/revisions", response_model=GoalOut, status_code=201)
def revise_goal(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, body: GoalRevisionIn, user: ApiUser, session: DbSession
) -> GoalOut:
    """Revise a goal (title, criteria, target date, ...) with a reason; the history is kept."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _goal_out(session, seat, _change(seat, session, key, body))


@router.delete("/{mentorship_id}/goals/{key}", status_code=204)
def remove_goal(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    key: str,
    user: ApiUser,
    session: DbSession,
    lock_version: int = Query(ge=0, le=MAX_INT),
) -> Response:
    """Remove a goal that was never agreed (agreed goals are set to `dropped` instead)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    goals.remove_goal(session, seat, seat.program, key, lock_version)
    return Response(status_code=204)


@router.post("/{mentorship_id}/goals/{key}/progress", response_model=ProgressOut, status_code=201)
def add_progress(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, body: ProgressIn, user: ApiUser, session: DbSession
) -> ProgressOut:
    """A dated progress note: percentage and/or status."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    entry = goals.record_progress(
        session, seat, seat.program, key, progress=body.progress, status=body.status, note=body.note
    )
    return out.progress_out(entry, queries.names(seat.mentorship))


@router.get("/{mentorship_id}/goals/{key}/progress", response_model=list[ProgressOut])
def list_progress(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, user: ApiUser, session: DbSession
) -> list[ProgressOut]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    names = queries.names(seat.mentorship)
    return [out.progress_out(p, names) for p in goals.progress_log(session, seat.mentorship, key)]


# --- reviews -------------------------------------------------------------------------------------------


@router.get("/{mentorship_id}/reviews/due", response_model=ReviewDueOut)
def review_due(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> ReviewDueOut:
    """Whether a review is waiting for you, with the statements to answer."""
    seat = _seat(program_id, mentorship_id, user, session)
    return out.review_due_out(reviews.due(session, seat, seat.program), seat.program)


@router.post("/{mentorship_id}/reviews", response_model=ReviewOut)
def submit_review(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReviewIn, user: ApiUser, session: DbSession
) -> ReviewOut:
    """Answer the open review round (again, to change it); private unless `shared_with_partner`."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    submission = reviews.submit(
        session, seat, seat.program, body.scores, body.change_suggestion, body.shared_with_partner
    )
    return out.review_out(submission)


@router.get("/{mentorship_id}/reviews/mine", response_model=list[ReviewOut])
def my_reviews(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> list[ReviewOut]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    side = seat.require_pair()
    return [out.review_out(s) for s in reviews.submissions(session, seat.mentorship, side, shared_only=False)]


@router.get("/{mentorship_id}/reviews/partner", response_model=list[ReviewOut])
def partner_reviews(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[ReviewOut]:
    """The answers your partner chose to share with you."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    partner = seat.partner_side
    assert partner is not None
    return [out.review_out(s) for s in reviews.submissions(session, seat.mentorship, partner, shared_only=True)]


@router.get("/{mentorship_id}/reviews/comparison", response_model=ComparisonOut)
def compare_reviews(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    period: int | None = Query(default=None, ge=1, le=MAX_INT, description="Default: the newest round both shared"),
) -> ComparisonOut:
    """Where your shared views differ (two or more points apart), with both suggestions."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.comparison_out(reviews.comparison(session, seat, period))


@router.post("/{mentorship_id}/reviews/suggestion-to-agreement", response_model=AgreementOut)
def suggestion_to_agreement(
    program_id: ObjectId, mentorship_id: ObjectId, body: SuggestionIn, user: ApiUser, session: DbSession
) -> AgreementOut:
    """Turn a review suggestion into an agreement change: a draft version carrying it as its note."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    agreement = reviews.suggestion_to_agreement(session, seat, seat.program, body.period, Side(body.side))
    return out.agreement_out(session, agreement, seat.mentorship)


# --- fit check and retrospectives ------------------------------------------------------------------------


@router.get("/{mentorship_id}/fit-check", response_model=FitCheckOut)
def get_fit_check(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> FitCheckOut:
    """Your fit check: due or not, your own answer (never your partner's)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.fit_check_out(fitcheck.state(session, seat))


@router.post("/{mentorship_id}/fit-check/open", response_model=FitCheckOut)
def open_fit_check(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> FitCheckOut:
    """Ask for the fit check now (e.g. right after the first meeting) instead of after two weeks."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.fit_check_out(fitcheck.open_check(session, seat))


@router.post("/{mentorship_id}/fit-check", response_model=FitCheckOut)
def answer_fit_check(
    program_id: ObjectId, mentorship_id: ObjectId, body: FitCheckIn, user: ApiUser, session: DbSession
) -> FitCheckOut:
    """Answer privately; one "no" ends the mentorship without blame and re-matches the mentee first."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return out.fit_check_out(fitcheck.answer(session, seat, body.fits))


@router.get("/{mentorship_id}/retrospectives", response_model=list[RetrospectiveOut])
def list_retrospectives(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, cycle: CycleParam = None
) -> list[RetrospectiveOut]:
    """Both closing retrospectives of a cycle (private to the pair)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return [out.retrospective_out(r) for r in closing.retrospectives(session, seat.mentorship, cycle).values()]


@router.put("/{mentorship_id}/retrospective", response_model=RetrospectiveOut)
def write_retrospective(
    program_id: ObjectId, mentorship_id: ObjectId, body: RetrospectiveIn, user: ApiUser, session: DbSession
) -> RetrospectiveOut:
    """Write or rewrite your closing retrospective (what worked, what we learned, what next)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    retro = closing.write_retrospective(session, seat, closing.RetroText(**body.model_dump()))
    return out.retrospective_out(retro)
