"""Pages of the mentorship itself: the list, the pair home (or a coordinator's view) and its actions.

The actions are the lifecycle (accept, pause, resume, complete, decline, end early), the planned end
date and the fit check; each runs through `act`, so a refusal shows the home again with the message.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import selectinload

from mentorloom.accounts.models import User
from mentorloom.errors import Conflict
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import agreements, extensions, fitcheck, lifecycle
from mentorloom.mentorships.access import Seat, seat_for, visible_mentorships
from mentorloom.mentorships.models import Mentorship
from mentorloom.mentorships.schemas import EndEarlyIn, PlannedEndIn
from mentorloom.mentorships.views.common import act, render_home
from mentorloom.permissions import Action, may, program_for
from mentorloom.programs.models import Membership
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_text
from mentorloom.web.pages import render

router = APIRouter()
SIMPLE_ACTIONS = frozenset({"pause", "resume", "complete", "decline"})


# --- list --------------------------------------------------------------------------------------------


@router.get("/programs/{program_id}/mentorships", response_class=HTMLResponse)
def mentorship_list(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    program = program_for(session, user, program_id)
    query = visible_mentorships(session, user, program_id).options(
        selectinload(Mentorship.mentor).selectinload(Membership.user),
        selectinload(Mentorship.mentee).selectinload(Membership.user),
    )
    mentorships = list(session.scalars(query.order_by(Mentorship.id.desc())))
    current = agreements.current_of_each(session, mentorships)
    flags = extensions.row_flags(session, program, mentorships)  # e.g. "overdue", from higher packages
    rows = [
        {
            "m": m,
            "status": lifecycle.status_title(m.status),  # shown in a badge
            "agreement": current.get(m.id),  # the page shows its version and status only
            "partner": _partner(m, user),
            "flags": flags.get(m.id, []),
        }
        for m in mentorships
    ]
    figures = may(session, user, Action.VIEW_REVIEW_FIGURES, program_id)  # the way to the review results
    return render(request, "mentorships/list.html", {"program": program, "rows": rows, "review_figures": figures})


def _partner(m: Mentorship, user: User) -> Membership | None:
    if m.mentor.user_id == user.id:
        return m.mentee
    if m.mentee.user_id == user.id:
        return m.mentor
    return None


# --- pair home / coordinator view, lifecycle actions -------------------------------------------------


@router.get("/programs/{program_id}/mentorships/{mentorship_id}", response_class=HTMLResponse)
def mentorship_home(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    return render_home(request, session, seat_for(session, user, program_id, mentorship_id))


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/accept", response_class=HTMLResponse)
def accept(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    def work(seat: Seat) -> object:
        return lifecycle.accept(session, seat, seat.program)

    return act(request, session, user, (program_id, mentorship_id), work, _("You accepted the mentorship."))


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/state/{action}", response_class=HTMLResponse)
def change_state(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    action: str,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    if action not in SIMPLE_ACTIONS:
        return act(request, session, user, (program_id, mentorship_id), _unknown, "")
    reason = form_text(form, "reason")

    def work(seat: Seat) -> object:
        return lifecycle.apply(session, seat, action, reason)

    return act(request, session, user, (program_id, mentorship_id), work, _("The mentorship was updated."))


def _unknown(seat: Seat) -> object:
    raise Conflict(_("This action is not available."))


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/end-early", response_class=HTMLResponse)
def end_early(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    def work(seat: Seat) -> object:
        body = EndEarlyIn(
            closure_reason=form_text(form, "closure_reason"),  # type: ignore[arg-type]
            note=form_text(form, "note"),
            rematch=bool(form.get("rematch")),
        )
        return lifecycle.end_early(session, seat, body.closure_reason, body.note, rematch=body.rematch)

    return act(request, session, user, (program_id, mentorship_id), work, _("The mentorship has ended."), "end_early")


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/planned-end", response_class=HTMLResponse)
def set_planned_end(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    value = form_text(form, "planned_end_on")

    def work(seat: Seat) -> object:
        body = PlannedEndIn(planned_end_on=value)  # type: ignore[arg-type]
        return lifecycle.set_planned_end(session, seat, body.planned_end_on)

    flash = _("The planned end date was changed.")
    ids = (program_id, mentorship_id)
    return act(request, session, user, ids, work, flash, "planned_end_on", values={"planned_end_on": value})


# --- fit check ---------------------------------------------------------------------------------------


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/fit-check/open", response_class=HTMLResponse)
def open_fit_check(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    def work(seat: Seat) -> object:
        return fitcheck.open_check(session, seat)

    flash = _("The fit check is open. Each of you answers privately.")
    return act(request, session, user, (program_id, mentorship_id), work, flash, "fit_check")


@router.post("/programs/{program_id}/mentorships/{mentorship_id}/fit-check", response_class=HTMLResponse)
def answer_fit_check(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    fits = form_text(form, "fits") == "yes"

    def work(seat: Seat) -> object:
        return fitcheck.answer(session, seat, fits)

    flash = _("Thank you. Only the program sees your answer.")
    return act(request, session, user, (program_id, mentorship_id), work, flash, "fit_check")
