"""/api/v1 endpoints of the mentees' pulse: the open period of a pair and an answer to it.

Only the pair's mentee reads and answers it: the mentor and the program's coordinators get 403, everybody else
404. No endpoint shows coordinators a score or a line of a pulse.
"""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.health import pulse
from mentorloom.health.models import Pulse
from mentorloom.health.schemas.pulse import PulseIn, PulseOut
from mentorloom.mentorships.access import seat_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"


def pulse_out(current: pulse.Round, answer: Pulse | None) -> PulseOut:
    return PulseOut(
        period=current.period,
        opened_at=current.opened_at,
        next_at=current.next_at,
        answered=answer is not None,
        score=answer.score if answer else None,
        stuck=bool(answer and answer.stuck),
        text=answer.stuck_text if answer else "",
    )


@router.get(f"{PAIR}/pulse", response_model=PulseOut)
def get_pulse(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> PulseOut:
    """The mentee's open pulse and their answer so far; 404 when the program asks for none (or the pair rests)."""
    seat = seat_for(session, user, program_id, mentorship_id)
    current, answer = pulse.open_round(session, seat)
    return pulse_out(current, answer)


@router.post(f"{PAIR}/pulse", response_model=PulseOut)
def answer_pulse(
    program_id: ObjectId, mentorship_id: ObjectId, body: PulseIn, user: ApiUser, session: DbSession
) -> PulseOut:
    """Answer the open pulse (again: the answer changes, one per period); "stuck" tells the mentor."""
    seat = seat_for(session, user, program_id, mentorship_id)
    answer = pulse.answer(session, seat, body.score, body.stuck, body.text)
    current, _ = pulse.open_round(session, seat)
    return pulse_out(current, answer)
