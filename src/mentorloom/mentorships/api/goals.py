"""The goals of the pair's agreement: adding, changing and revising them, their timeline and progress notes."""

from __future__ import annotations

from fastapi import APIRouter, Query, Response
from starlette.convertors import StringConvertor, register_url_convertor

from mentorloom.mentorships import agreements, goals, queries
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.schemas import (
    GoalIn,
    GoalOut,
    GoalPatchIn,
    GoalRevisionIn,
    ProgressIn,
    ProgressOut,
    TimelineOut,
)
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession
from mentorloom.web.inputs import MAX_INT


class GoalKeyConvertor(StringConvertor):
    """A goal key: any path segment but `timeline`, which is the goal timeline, so a URL has one set of methods."""

    regex = r"(?!timeline(?:/|$))[^/]+"


register_url_convertor("goal_key", GoalKeyConvertor())
router = APIRouter()


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


@router.patch("/{mentorship_id}/goals/{key:goal_key}", response_model=GoalOut)
def update_goal(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, body: GoalPatchIn, user: ApiUser, session: DbSession
) -> GoalOut:
    """Edit a goal; once agreed, give a `reason` (kept in the goal's history)."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _goal_out(session, seat, _change(seat, session, key, body))


@router.post("/{mentorship_id}/goals/{key:goal_key}/revisions", response_model=GoalOut, status_code=201)
def revise_goal(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, body: GoalRevisionIn, user: ApiUser, session: DbSession
) -> GoalOut:
    """Revise a goal (title, criteria, target date, ...) with a reason; the history is kept."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return _goal_out(session, seat, _change(seat, session, key, body))


@router.delete("/{mentorship_id}/goals/{key:goal_key}", status_code=204)
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


@router.post("/{mentorship_id}/goals/{key:goal_key}/progress", response_model=ProgressOut, status_code=201)
def add_progress(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, body: ProgressIn, user: ApiUser, session: DbSession
) -> ProgressOut:
    """A dated progress note: percentage and/or status."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    entry = goals.record_progress(
        session, seat, seat.program, key, progress=body.progress, status=body.status, note=body.note
    )
    return out.progress_out(entry, queries.names(seat.mentorship))


@router.get("/{mentorship_id}/goals/{key:goal_key}/progress", response_model=list[ProgressOut])
def list_progress(
    program_id: ObjectId, mentorship_id: ObjectId, key: str, user: ApiUser, session: DbSession
) -> list[ProgressOut]:
    seat = pair_seat(session, user, program_id, mentorship_id)
    names = queries.names(seat.mentorship)
    return [out.progress_out(p, names) for p in goals.progress_log(session, seat.mentorship, key)]
