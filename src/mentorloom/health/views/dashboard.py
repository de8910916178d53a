"""Pages of the coordinator dashboard: the band counts, the at-risk list with its reasons and a one-click nudge,
a pair's health with the coordination's notes, and a recompute on demand.

Coordinators and admins only (`Action.VIEW_HEALTH`); members of the program without it get 403, everybody else
404. A pair of another program answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from mentorloom.health import dashboard, service
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.permissions import Action, program_for
from mentorloom.programs.models import Program
from mentorloom.web.api_common import ObjectId, PageNumber
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect, render

router = APIRouter()
BASE = "/programs/{program_id}/health"


def links(program: Program) -> dict[str, str]:
    base = f"/programs/{program.id}/health"
    return {
        "dashboard": base,
        "analytics": f"{base}/analytics",
        "retention": f"{base}/retention",
        "report": f"{base}/report",
        "evidence": f"{base}/evidence",
        "settings": f"/programs/{program.id}/edit#health",
    }


def _list_url(program: Program, band: str, page: int) -> str:
    params = [f"band={band}"] if band else []
    params += [f"page={page}"] if page > 1 else []
    return f"/programs/{program.id}/health" + ("?" + "&".join(params) if params else "") + "#at-risk"


@router.get(BASE, response_class=HTMLResponse)
def dashboard_page(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    band: str = Query("", max_length=20),
    page: PageNumber = 1,
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    listed = dashboard.flagged_page(session, program, band, page)
    context = {
        "program": program,
        "overview": dashboard.overview(session, program),
        "listed": listed,
        "links": links(program),
        "prev_url": _list_url(program, listed.band, listed.page - 1) if listed.page > 1 else None,
        "next_url": _list_url(program, listed.band, listed.page + 1) if listed.page < listed.pages else None,
        "settings": service.health_settings(program),
    }
    return render(request, "health/dashboard.html", context)


@router.post(f"{BASE}/recompute", response_class=HTMLResponse)
def recompute(
    request: Request, program_id: ObjectId, form: PostedForm, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    scored = service.recompute_program(session, program)
    flash = ngettext(
        "Health recomputed for %(num)d pair under way.", "Health recomputed for %(num)d pairs under way.", scored
    )
    return redirect(f"/programs/{program.id}/health", flash=flash, request=request)


def _pair_page(
    request: Request,
    session: Session,
    program: Program,
    mentorship_id: int,
    *,
    errors: dict[str, str] | None = None,
    note: str = "",
    problem: str | None = None,
    status_code: int = 200,
) -> Response:
    detail = dashboard.pair_detail(session, program, mentorship_id)
    context = {
        "program": program,
        "d": detail,
        "links": links(program),
        "errors": errors or {},
        "note": note,
        "problem": problem,
        "max_note": service.MAX_NOTE,
        "pair_url": f"/programs/{program.id}/mentorships/{mentorship_id}",
        "action_url": f"/programs/{program.id}/health/pairs/{mentorship_id}",
    }
    return render(request, "health/pair.html", context, status_code=status_code)


@router.get(f"{BASE}/pairs/{{mentorship_id}}", response_class=HTMLResponse)
def pair_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    return _pair_page(request, session, program, mentorship_id)


@router.post(f"{BASE}/pairs/{{mentorship_id}}/nudge", response_class=HTMLResponse)
def nudge_pair(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    pair = dashboard.pair_of(session, program, mentorship_id)  # 404 before anything else
    with form_attempt(session) as attempt:
        dashboard.nudge(session, program, mentorship_id, user)
    back = form_text(form, "back", 300)
    # Only our own pages are a place to go back to.
    target = back if back.startswith(f"/programs/{program.id}/health") else f"/programs/{program.id}/health"
    if attempt.refused:
        return redirect(target, flash=attempt.detail, request=request)
    flash = _(
        "A friendly reminder is on its way to %(mentor)s and %(mentee)s. You can nudge this pair again in a week.",
        mentor=pair.mentor.user.display_name,
        mentee=pair.mentee.user.display_name,
    )
    return redirect(target, flash=flash, request=request)


@router.post(f"{BASE}/pairs/{{mentorship_id}}/notes", response_class=HTMLResponse)
def add_note(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    dashboard.pair_of(session, program, mentorship_id)
    text = form_text(form, "text")
    with form_attempt(session) as attempt:
        dashboard.add_note(session, program, mentorship_id, user, text)
    if attempt.refused:
        return _pair_page(
            request, session, program, mentorship_id, errors=attempt.errors, note=text, status_code=attempt.status_code
        )
    return redirect(
        f"/programs/{program.id}/health/pairs/{mentorship_id}#notes", flash=_("Note saved."), request=request
    )
