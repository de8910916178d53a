"""Pages of reflections: the pair's "Lessons learned" (shared reflections and the reader's own private ones),
writing and changing a reflection, the lessons as text, and taking them into the closing retrospective.

The pair's own words: coordinators get 403 here, as on the API. In the completing phase the pair home shows a
card that offers the shared lessons for the closing retrospective (`mentorships` never imports engagement).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.engagement import reflections
from mentorloom.engagement.celebrations_common import agreed_goals, pair_path, partner_name
from mentorloom.engagement.models import Reflection, ReflectionVisibility
from mentorloom.engagement.schemas.reflections import ReflectionIn
from mentorloom.errors import MentorloomError
from mentorloom.i18n import gettext as _
from mentorloom.meetings import display
from mentorloom.meetings.models import Meeting
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.mentorships.extensions import Panel
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect, render

router = APIRouter()
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"
FIELDS = ("challenge", "what_happened", "learned", "next_time", "goal_key", "meeting_id", "visibility")
MEETINGS_LISTED = 30


def _body(values: dict[str, str]) -> ReflectionIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    return ReflectionIn(**data)


# --- the card in the completing phase -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RetroPanel:
    base: str
    text: str
    count: int


def retrospective_panel(session: Session, seat: Seat) -> Panel | None:
    """While completing: the shared lessons, ready for the closing retrospective."""
    if not seat.in_pair or seat.mentorship.status is not MentorshipStatus.COMPLETING:
        return None
    lessons = reflections.shared(session, seat)
    text = reflections.lessons_text(session, seat)
    return Panel("engagement/reflections_panel_retro.html", RetroPanel(pair_path(seat.mentorship), text, len(lessons)))


extensions.register_panel("reflections.retrospective", retrospective_panel, order=35)


# --- lessons learned ----------------------------------------------------------------------------------------------


def _meetings(session: Session, seat: Seat) -> list[tuple[int, str]]:
    rows = session.scalars(
        select(Meeting)
        .where(Meeting.mentorship_id == seat.mentorship.id)
        .order_by(Meeting.starts_at.desc())
        .limit(MEETINGS_LISTED)
    )
    return [(m.id, display.moment_text(m.starts_at)) for m in rows]


def _common(session: Session, seat: Seat) -> dict[str, Any]:
    return {
        "program": seat.program,
        "seat": seat,
        "base": pair_path(seat.mentorship),
        "partner": partner_name(seat),
        "goals": agreed_goals(session, seat.mentorship),
        "completing": seat.mentorship.status is MentorshipStatus.COMPLETING,
    }


@router.get(f"{PAIR}/reflections", response_class=HTMLResponse)
def lessons_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    rows = reflections.of_pair(session, seat)
    meetings = dict(_meetings(session, seat))
    context = _common(session, seat) | {
        "rows": rows,
        "meetings": meetings,
        "shared_count": sum(1 for r in rows if r.visibility is ReflectionVisibility.PARTNER),
    }
    return render(request, "engagement/reflections_list.html", context)


@router.get(f"{PAIR}/reflections/lessons.txt", response_class=PlainTextResponse)
def lessons_text(
    program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> PlainTextResponse:
    """The shared lessons as plain text, to paste into the closing retrospective."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    return PlainTextResponse(reflections.lessons_text(session, seat))


@router.post(f"{PAIR}/reflections/to-retrospective", response_class=HTMLResponse)
def to_retrospective(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    """Add the shared lessons to the caller's closing retrospective, then show it on the pair home."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    base = pair_path(seat.mentorship)
    try:
        with session.begin_nested():
            reflections.pull_into_retrospective(session, seat)
    except MentorloomError as exc:
        return redirect(f"{base}/reflections", flash=exc.detail, request=request)
    flash = _('Your lessons were added to your closing retrospective under "What we learned". Read it over there.')
    return redirect(f"{base}#retro-title", flash=flash, request=request)


# --- writing and changing -----------------------------------------------------------------------------------------


def _render_form(
    request: Request,
    session: Session,
    seat: Seat,
    reflection: Reflection | None,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    if values is None:
        values = {"visibility": ReflectionVisibility.PRIVATE.value}
        if reflection is not None:
            values = {
                "challenge": reflection.challenge,
                "what_happened": reflection.what_happened,
                "learned": reflection.learned,
                "next_time": reflection.next_time,
                "goal_key": reflection.goal_key or "",
                "meeting_id": str(reflection.meeting_id or ""),
                "visibility": reflection.visibility.value,
            }
    context = _common(session, seat) | {
        "reflection": reflection,
        "meetings": _meetings(session, seat),
        "errors": errors or {},
        "values": values,
    }
    return render(request, "engagement/reflections_form.html", context, status_code=status_code)


@router.get(f"{PAIR}/reflections/new", response_class=HTMLResponse)
def new_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = {"visibility": ReflectionVisibility.PRIVATE.value}
    for name in ("goal_key", "meeting_id"):
        if given := request.query_params.get(name, "")[:32]:
            values[name] = given
    return _render_form(request, session, seat, None, values=values)


@router.post(f"{PAIR}/reflections", response_class=HTMLResponse)
def write(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = {name: form_text(form, name) for name in FIELDS}
    with form_attempt(session) as attempt:
        reflections.create(session, seat, _body(values).model_dump())
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return _render_form(
            request, session, seat, None, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    if values["visibility"] == ReflectionVisibility.PARTNER.value:
        flash = _("Your reflection is saved and shared with %(name)s.", name=partner_name(seat))
    else:
        flash = _("Your reflection is saved. Only you can read it.")
    return redirect(f"{pair_path(seat.mentorship)}/reflections", flash=flash, request=request)


@router.get(f"{PAIR}/reflections/{{reflection_id}}/edit", response_class=HTMLResponse)
def edit_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    reflection_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    reflection = reflections.reflection_of(session, seat, reflection_id)
    reflections.require_author(seat, reflection)
    return _render_form(request, session, seat, reflection)


@router.post(f"{PAIR}/reflections/{{reflection_id}}/edit", response_class=HTMLResponse)
def edit(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    reflection_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    reflection = reflections.reflection_of(session, seat, reflection_id)
    values = {name: form_text(form, name) for name in FIELDS}
    with form_attempt(session) as attempt:
        reflections.update(session, seat, reflection, _body(values).model_dump())
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        reflection = reflections.reflection_of(session, seat, reflection_id)
        return _render_form(
            request, session, seat, reflection, errors=attempt.errors, values=values, status_code=attempt.status_code
        )
    return redirect(
        f"{pair_path(seat.mentorship)}/reflections#reflection-{reflection_id}",
        flash=_("Your reflection was changed."),
        request=request,
    )


@router.post(f"{PAIR}/reflections/{{reflection_id}}/delete", response_class=HTMLResponse)
def delete(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    reflection_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    reflections.delete(session, seat, reflections.reflection_of(session, seat, reflection_id))
    return redirect(
        f"{pair_path(seat.mentorship)}/reflections", flash=_("Your reflection was deleted."), request=request
    )
