"""Pages of the mentees' pulse: the card on the pair home, the pulse page (form, then what happens next).

Only the mentee answers: the mentor and coordinators get 403, everybody else 404. Coordinators see nothing of
a pair's pulse anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.engagement.celebrations_common import pair_path, partner_name
from mentorloom.health import pulse
from mentorloom.health.schemas.pulse import PulseIn
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat, seat_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect, render

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"


@dataclass(frozen=True)
class PulsePanel:
    url: str
    period: int
    partner: str
    max_text: int


def pulse_panel(session: Session, seat: Seat) -> extensions.Panel | None:
    """For the mentee only, and only while the open period is unanswered."""
    current = pulse.unanswered(session, seat)
    if current is None:
        return None
    data = PulsePanel(f"{pair_path(seat.mentorship)}/pulse", current.period, partner_name(seat), pulse.MAX_TEXT)
    return extensions.Panel("health/pulse_panel.html", data)


extensions.register_panel("health.pulse", pulse_panel, order=15)


def _render(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    current, answer = pulse.open_round(session, seat)
    editing = request.query_params.get("change") == "1" or bool(errors)
    if values is None and answer is not None:
        values = {"score": str(answer.score), "stuck": "yes" if answer.stuck else "", "text": answer.stuck_text}
    context = {
        "program": seat.program,
        "base": pair_path(seat.mentorship),
        "partner": partner_name(seat),
        "round": current,
        "answer": answer,
        "show_form": answer is None or editing,
        "errors": errors or {},
        "values": values or {},
        "max_text": pulse.MAX_TEXT,
        "every_weeks": pulse.settings_of(seat.program).pulse_every_weeks,
    }
    return render(request, "health/pulse.html", context, status_code=status_code)


@router.get(f"{PAIR}/pulse", response_class=HTMLResponse)
def pulse_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    pulse.require_mentee(seat)
    return _render(request, session, seat)


@router.post(f"{PAIR}/pulse", response_class=HTMLResponse)
def answer_pulse(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = seat_for(session, user, program_id, mentorship_id)
    pulse.require_mentee(seat)
    values = {name: form_text(form, name) for name in ("score", "stuck", "text")}
    with form_attempt(session) as attempt:
        given = {"stuck": values["stuck"] == "yes", "text": values["text"]}
        body = PulseIn.model_validate(given | ({"score": values["score"]} if values["score"] else {}))
        pulse.answer(session, seat, body.score, body.stuck, body.text)
    if attempt.refused:
        seat = seat_for(session, user, program_id, mentorship_id)
        return _render(request, session, seat, errors=attempt.errors, values=values, status_code=attempt.status_code)
    return redirect(f"{pair_path(seat.mentorship)}/pulse#done", request=request)
