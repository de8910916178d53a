"""Pages of the pair's meetings: the list with the running series, planning a series (with find a time), an extra
meeting and the video setting; one meeting's page is in `meeting_views`.

Only the two people see these pages (coordinators get 403, as on the API). Every change calls the same functions
as `api.py` (planning → series/service → notices), so a page and a script do exactly the same thing.
Importing this module also registers the meetings panel on the pair home and the "overdue" flag of the list.
"""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from mentorloom.i18n import get_locale, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.meetings import (
    display,
    figures,
    meeting_views,
    notices,
    pages,
    panels,
    planning,
    series,
    service,
    video,
)
from mentorloom.meetings.page_inputs import MomentIn, day_for_start, fields, my_zone, text
from mentorloom.meetings.schemas import MeetingIn, SeriesIn, VideoIn
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import Seat, pair_seat
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import AppSettings, CurrentUser, DbSession, csrf_protect
from mentorloom.web.forms import PostedForm, form_attempt
from mentorloom.web.pages import redirect, render

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
PAIR = "/programs/{program_id}/mentorships/{mentorship_id}"

extensions.register_panel("meetings", panels.pair_panel, order=10)
extensions.register_row_flags("meetings.overdue", panels.overdue_flags)
extensions.register_fact("meeting_planned", panels.meeting_planned)


@router.get(f"{PAIR}/meetings", response_class=HTMLResponse)
def meetings_page(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
    past: int = Query(default=pages.PAST_STEP, ge=1, le=pages.MAX_LIST),
    upcoming: str = "",
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    return pages.render_list(request, session, settings, seat, past=past, all_upcoming=upcoming == "all")


# --- planning a series -------------------------------------------------------------------------------------


@router.get(f"{PAIR}/meetings/plan", response_class=HTMLResponse)
def plan_page(
    request: Request, program_id: ObjectId, mentorship_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    """The plan form; `?find=1` adds the suggestions, a suggestion's link fills the form through the query."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    if series.one_side_erased(seat.mentorship):  # nobody can meet them: the list says why
        return redirect(pages.list_url(seat))
    values = pages.plan_defaults(session, seat)
    values |= {k: v[:64] for k, v in request.query_params.items() if k in pages.PLAN_FIELDS}
    find = request.query_params.get("find") == "1"
    return pages.render_plan(request, session, seat, values=values, find=find)


def _series_in(values: dict[str, str]) -> SeriesIn:
    data: dict[str, Any] = {k: v for k, v in values.items() if v != ""}
    if data.get("monthly_by", "weekday") == "weekday" or data.get("cadence") != "monthly":
        data.pop("day_of_month", None)  # a field of the other choice, which the rule does not use
    return SeriesIn(**data)


@router.post(f"{PAIR}/meetings/plan", response_class=HTMLResponse)
def plan_series(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = {name: text(form, name) for name in pages.PLAN_FIELDS}
    with form_attempt(session) as attempt:
        body = _series_in(values)
        plan = planning.plan_of(session, seat, body)
        item, replaced = series.plan(session, seat, plan, planning.details_of(body), user, rule=body.rrule)
        notices.series_planned(session, settings, seat, item, replaced)
        planned = series.occurrences_of(session, item)
    if attempt.refused:
        seat = pair_seat(session, user, program_id, mentorship_id)
        return pages.render_plan(
            request, session, seat, values=values, errors=attempt.errors, status_code=attempt.status_code
        )
    flash = ngettext(
        "Your meetings are planned: %(num)s meeting, the first on %(date)s. You both got a calendar invitation. "
        "Add what you want to talk about to its agenda.",
        "Your meetings are planned: %(num)s meetings, the first on %(date)s. You both got a calendar invitation. "
        "Add what you want to talk about to the first agenda.",
        len(planned),
        date=display.moment_text(planned[0].starts_at),
    )
    return redirect(pages.list_url(seat), flash=flash, request=request)


# --- an extra meeting, the video link ----------------------------------------------------------------------


@router.post(f"{PAIR}/meetings/add", response_class=HTMLResponse)
def add_meeting(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    values = fields(form, "add.", ("day", "time", "duration_minutes", "format", "location"))
    with form_attempt(session, prefix="add.") as attempt:
        moment = MomentIn(day=values["add.day"], time=values["add.time"])  # type: ignore[arg-type]
        body = MeetingIn(
            starts_at=moment.local(),
            timezone=my_zone(),
            duration_minutes=values["add.duration_minutes"] or 60,  # type: ignore[arg-type]
            format=values["add.format"] or "video",  # type: ignore[arg-type]
            location=values["add.location"],
        )
        meeting = service.add_meeting(
            session, seat, planning.when_of(body.starts_at, body.timezone), planning.details_of(body), user
        )
        notices.meeting_changed(session, settings, seat, meeting)
    if attempt.refused:
        return _list_again(request, session, settings, user, (program_id, mentorship_id), attempt, values, "add.")
    flash = _(
        "The meeting on %(date)s is planned. You both got a calendar invitation. Add what you want to talk about.",
        date=display.moment_text(meeting.starts_at),
    )
    return redirect(f"{pages.meeting_url(seat, meeting)}#agenda", flash=flash, request=request)


def _list_again(
    request: Request,
    session: DbSession,
    settings: AppSettings,
    user: CurrentUser,
    ids: tuple[int, int],
    attempt: Any,
    values: dict[str, str],
    prefix: str,
) -> Response:
    seat: Seat = pair_seat(session, user, *ids)
    errors = day_for_start(attempt.errors, prefix)
    return pages.render_list(
        request, session, settings, seat, errors=errors, values=values, status_code=attempt.status_code
    )


@router.post(f"{PAIR}/meetings/video", response_class=HTMLResponse)
def set_video(
    request: Request,
    program_id: ObjectId,
    mentorship_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    seat = pair_seat(session, user, program_id, mentorship_id)
    link = "" if form.get("use_room") else text(form, "video.video_link")
    with form_attempt(session, prefix="video.") as attempt:
        video.set_fixed_link(session, seat.mentorship, VideoIn(video_link=link).video_link)
    if attempt.refused:
        values = {"video.video_link": link}
        return _list_again(request, session, settings, user, (program_id, mentorship_id), attempt, values, "video.")
    if link:
        flash = _("Your video link is saved. It is on every video meeting and in your calendar invitations.")
    else:
        flash = _("You meet in your own video room again. Its link is on every video meeting.")
    return redirect(f"{pages.list_url(seat)}#video", flash=flash, request=request)


router.include_router(meeting_views.router)


@router.get("/programs/{program_id}/meetings/figures", response_class=HTMLResponse)
def feedback_figures_page(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    """Coordinators: meeting feedback of the whole program per closed month (the same figures as the API)."""
    program = program_for(session, user, program_id, Action.VIEW_REVIEW_FIGURES)
    months = figures.monthly(session, program_id)
    ctx = {
        "program": program,
        "months": months,
        "any_held": any(f.meetings_held or f.answers for f in months),
        "min_answers": figures.MIN_ANSWERS,
        "one_decimal": lambda mean: format_decimal(mean, format="0.0", locale=get_locale()),
    }
    return render(request, "meetings/figures.html", ctx)
