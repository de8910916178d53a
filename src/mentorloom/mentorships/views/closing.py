"""Pages for the end of a cycle: the closing retrospectives, finishing the mentorship and renewing it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from mentorloom.i18n import gettext as _
from mentorloom.mentorships import closing
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.schemas import RenewIn, RetrospectiveIn
from mentorloom.mentorships.views.common import act, base_url, render_home
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect

router = APIRouter()


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/retrospective", response_class=HTMLResponse)
def write_retrospective(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = {name: form_text(form, f"retro.{name}") for name in closing.RETRO_FIELDS}
    with form_attempt(session, prefix="retro.", summary=True) as attempt:
        body = RetrospectiveIn(**values)
        closing.write_retrospective(session, seat, closing.RetroText(**body.model_dump()))
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)  # the refused change was undone
        errors, status_code = attempt.errors, attempt.status_code
        return render_home(request, session, seat, errors=errors, values=values, status_code=status_code)
    flash = _("Your closing retrospective was saved. Only the two of you can read it.")
    return redirect(base_url(program_id, mentorship_id), flash=flash, request=request)


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/finish", response_class=HTMLResponse)
def finish(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    reason = form_text(form, "reason")

    def work(seat: Seat) -> object:
        return closing.finish(session, seat, reason)

    flash = _("The mentorship is completed. Thank you both.")
    return act(request, session, user, (program_id, mentorship_id), work, flash, "closing")


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/renew", response_class=HTMLResponse)
def renew(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        body = RenewIn(note=form_text(form, "note"))
        return closing.renew(session, seat, seat.program, body.note)

    flash = _("A new cycle has started with a copy of your agreement.")
    return act(request, session, user, (program_id, mentorship_id), work, flash, "closing")
