"""Closing a cycle: finish or renew after the completing phase, and the pair's closing retrospectives."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.mentorships import closing
from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import pair_seat
from mentorloom.mentorships.api.common import CycleParam, changed
from mentorloom.mentorships.schemas import MentorshipOut, ReasonIn, RenewIn, RetrospectiveIn, RetrospectiveOut
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()


@router.post("/{mentorship_id}/finish", response_model=MentorshipOut)
def finish(
    program_id: ObjectId, mentorship_id: ObjectId, body: ReasonIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """Complete the mentorship (the pair: after both retrospectives; coordinators: at any time)."""
    return changed(program_id, mentorship_id, user, session, lambda seat: closing.finish(session, seat, body.reason))


@router.post("/{mentorship_id}/renew", response_model=MentorshipOut)
def renew(
    program_id: ObjectId, mentorship_id: ObjectId, body: RenewIn, user: ApiUser, session: DbSession
) -> MentorshipOut:
    """Start another cycle with a new agreement (copied from the last, open goals carried on)."""
    return changed(
        program_id, mentorship_id, user, session, lambda seat: closing.renew(session, seat, seat.program, body.note)
    )


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
