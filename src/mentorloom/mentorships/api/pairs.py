"""The mentorship itself: list, direct creation, the pair's or coordinator's view, its lifecycle and fit check."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import selectinload

from mentorloom.mentorships import fitcheck, lifecycle
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, pair_seat, visible_mentorships
from mentorloom.mentorships.api.common import changed, seat_of
from mentorloom.mentorships.models import Mentorship, MentorshipStatus
from mentorloom.mentorships.schemas import (
    CoordinatorViewOut,
    EndEarlyIn,
    FitCheckIn,
    FitCheckOut,
    MentorshipIn,
    MentorshipOut,
    MentorshipView,
    PairHomeOut,
    PlannedEndIn,
    ReasonIn,
    TransitionOut,
)
from mentorloom.pagination import Page, paginate
from mentorloom.permissions import Action, program_for
from mentorloom.programs.models import Membership
from mentorloom.web.api_common import ObjectId, PageNumber, PerPage
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()


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


@router.get("/{mentorship_id}", response_model=MentorshipView)
def get_mentorship(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> PairHomeOut | CoordinatorViewOut:
    """The pair's home (`view: pair`) or a coordinator's view without private content (`view: coordinator`)."""
    seat = seat_of(program_id, mentorship_id, user, session)
    if seat.can(Action.WORK_IN_PAIR):
        return out.pair_home(session, seat, seat.program)
    return out.coordinator_view(session, seat, seat.program)


@router.get("/{mentorship_id}/transitions", response_model=list[TransitionOut])
def list_transitions(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession
) -> list[TransitionOut]:
    """Every recorded change of state, oldest first (coordinators get no free-text reasons)."""
    return out.transitions_out(session, seat_of(program_id, mentorship_id, user, session))


# --- lifecycle ------------------------------------------------------------------------------------------


def _apply(
    action: str, program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """A change of state that takes nothing but an optional reason (decline, pause, resume, complete)."""
    return changed(
        program_id, mentorship_id, user, session, lambda seat: lifecycle.apply(session, seat, action, body.reason)
    )


@router.post("/{mentorship_id}/accept", response_model=MentorshipOut)
def accept(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> MentorshipOut:
    """Accept a proposed mentorship; it starts once both of you accepted."""
    return changed(program_id, mentorship_id, user, session, lambda seat: lifecycle.accept(session, seat, seat.program))


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


@router.post("/{mentorship_id}/end-early", response_model=MentorshipOut)
def end_early(
    program_id: ObjectId, mentorship_id: ObjectId, body: EndEarlyIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """End before the planned end with a closure reason; by default the mentee is offered a new match."""

    def end(seat: Seat) -> object:
        return lifecycle.end_early(session, seat, body.closure_reason, body.note, rematch=body.rematch)

    return changed(program_id, mentorship_id, user, session, end)


@router.put("/{mentorship_id}/planned-end", response_model=MentorshipOut)
def set_planned_end(
    program_id: ObjectId, mentorship_id: ObjectId, body: PlannedEndIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    def move_end(seat: Seat) -> object:
        return lifecycle.set_planned_end(session, seat, body.planned_end_on)

    return changed(program_id, mentorship_id, user, session, move_end)


# --- fit check ----------------------------------------------------------------------------------------------


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
