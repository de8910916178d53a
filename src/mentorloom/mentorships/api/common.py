"""What several mentorship API modules share: the cycle parameter, loading the seat, answering a change."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Query

from mentorloom.mentorships import presenters as out
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.mentorships.schemas import MentorshipOut
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession
from mentorloom.web.inputs import MAX_INT

CycleParam = Annotated[int | None, Query(ge=1, le=MAX_INT, description="Default: the current cycle")]


def seat_of(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> Seat:
    return seat_for(session, user, program_id, mentorship_id)


def changed(
    program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession, change: Callable[[Seat], object]
) -> MentorshipOut:
    """Load the mentorship as the caller may see it (404 for outsiders), apply `change` and return the mentorship.

    The services return different things (the mentorship, a transition, a new agreement); every lifecycle
    endpoint answers with the mentorship as it is afterwards.
    """
    seat = seat_of(program_id, mentorship_id, user, session)
    change(seat)
    return out.mentorship_out(seat.mentorship)
