"""Pages of events: the program's events, one event with your answer, creating and changing one, inviting people
or pairs, cancelling after a confirmation, and the event as a calendar file.

Every change calls the same service functions as the API. Importing this module registers the events card on
the pair home and the events source of the personal calendar feed (the app imports every views module at start).
"""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from mentorloom.engagement import events, events_calendar, events_pages
from mentorloom.engagement.models import RsvpAnswer
from mentorloom.engagement.schemas.events import InviteIn
from mentorloom.errors import NotFound, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.meetings import feed
from mentorloom.mentorships import extensions
from mentorloom.numbers import is_digits
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import AppSettings, CurrentUser, DbSession
from mentorloom.web.forms import PostedForm, form_attempt, form_text
from mentorloom.web.pages import redirect

router = APIRouter()
EVENTS = "/programs/{program_id}/events"
EVENT = EVENTS + "/{event_id}"

extensions.register_panel("events", events_pages.pair_panel, order=60)
feed.register_feed_source("engagement.events", events_calendar.feed_part)


@router.get(EVENTS, response_class=HTMLResponse)
def events_list(
    request: Request,
    program_id: ObjectId,
    user: CurrentUser,
    session: DbSession,
    when: str = "upcoming",
    page: int = Query(default=1, ge=1, le=100_000),
) -> Response:
    seat = events.program_seat(session, user, program_id)
    return events_pages.render_list(request, session, seat, when=when, page=page)


# --- creating and changing ----------------------------------------------------------------------------------


@router.get(f"{EVENTS}/new", response_class=HTMLResponse)
def new_event(request: Request, program_id: ObjectId, user: CurrentUser, session: DbSession) -> Response:
    seat = events.program_seat(session, user, program_id)
    if not seat.may_create:
        raise NotFound(_("Page not found."))
    return events_pages.render_form(request, seat, values=events_pages.default_values(seat))


@router.post(f"{EVENTS}/new", response_class=HTMLResponse)
def create_event(
    request: Request,
    program_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    seat = events.program_seat(session, user, program_id)
    values = {name: form_text(form, name, 6000) for name in events_pages.FORM_FIELDS}
    with form_attempt(session) as attempt:
        body = events_pages.event_in(values, may_invite_program=seat.manages)
        event = events.create_event(session, settings, seat, body)
    if attempt.refused:
        seat = events.program_seat(session, user, program_id)
        errors = events_pages.field_names(attempt.errors)
        return events_pages.render_form(request, seat, values=values, errors=errors, status_code=attempt.status_code)
    url = events_pages.event_url(event)
    if event.audience.value == "program":
        return redirect(
            url, flash=_("The event is planned. Everyone in the program got an invitation."), request=request
        )
    return redirect(f"{url}/invite", flash=_("The event is planned. Now invite people to it."), request=request)


@router.get(f"{EVENT}/edit", response_class=HTMLResponse)
def edit_event(
    request: Request, program_id: ObjectId, event_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    if not access.may_edit or access.event.cancelled_at is not None:
        raise NotFound(_("Page not found."))
    values = events_pages.values_of(access.event)
    return events_pages.render_form(request, access.seat, values=values, event=access.event)


@router.post(f"{EVENT}/edit", response_class=HTMLResponse)
def update_event(
    request: Request,
    program_id: ObjectId,
    event_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    values = {name: form_text(form, name, 6000) for name in events_pages.FORM_FIELDS}
    if not access.seat.manages:  # the form has no choice: the audience stays as a coordinator may have widened it
        values["audience"] = access.event.audience.value
    with form_attempt(session) as attempt:
        body = events_pages.event_in(values, may_invite_program=True)
        events.update_event(session, settings, access, body)
    if attempt.refused:
        access = events.event_access(session, user, program_id, event_id)
        errors = events_pages.field_names(attempt.errors)
        return events_pages.render_form(
            request, access.seat, values=values, event=access.event, errors=errors, status_code=attempt.status_code
        )
    flash = _("The event is changed. Everyone invited got the update for their calendar.")
    return redirect(events_pages.event_url(access.event), flash=flash, request=request)


# --- one event -------------------------------------------------------------------------------------------------


@router.get(EVENT, response_class=HTMLResponse)
def event_page(
    request: Request, program_id: ObjectId, event_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    return events_pages.render_event(request, session, events.event_access(session, user, program_id, event_id))


@router.post(f"{EVENT}/rsvp", response_class=HTMLResponse)
def answer(
    request: Request,
    program_id: ObjectId,
    event_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    reply = form_text(form, "answer", 10)
    with form_attempt(session, whole="answer") as attempt:
        if not access.may_answer:
            raise NotFound(_("Event not found."))
        if reply not in {a.value for a in RsvpAnswer}:
            raise ValidationFailed(_("Choose yes, no or maybe."), field="answer")
        events.answer(session, settings, access, RsvpAnswer(reply))
        mine = events.my_answer(session, access.event, user)
    if attempt.refused:
        access = events.event_access(session, user, program_id, event_id)
        return events_pages.render_event(
            request, session, access, errors=attempt.errors, status_code=attempt.status_code
        )
    if mine.position is not None:
        flash = _(
            "The event is full. You are number %(num)s on the waiting list; we tell you when a seat is yours.",
            num=mine.position,
        )
    elif mine.seated:
        flash = _("You are coming. Your seat is saved.")
    elif mine.rsvp is not None and mine.rsvp.answer is RsvpAnswer.MAYBE:
        flash = _("Your answer is saved: maybe.")
    else:
        flash = _("Your answer is saved: you are not coming.")
    return redirect(f"{events_pages.event_url(access.event)}#rsvp", flash=flash, request=request)


@router.get(f"{EVENT}/event.ics")
def event_ics(
    program_id: ObjectId, event_id: ObjectId, user: CurrentUser, session: DbSession, settings: AppSettings
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    return Response(
        events_calendar.download(settings, access.event),
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="event.ics"'},
    )


# --- inviting and cancelling ---------------------------------------------------------------------------------


@router.get(f"{EVENT}/invite", response_class=HTMLResponse)
def invite_page(
    request: Request, program_id: ObjectId, event_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    if not access.may_edit:
        raise NotFound(_("Page not found."))
    return events_pages.render_invite(request, session, access)


def _ids(form: PostedForm, name: str) -> list[int]:
    found = []
    for value in form.getlist(name)[:1000]:
        text = str(value).strip()
        if is_digits(text) and len(text) < 10:  # "²" passes isdigit, not int
            found.append(int(text))
    return found


@router.post(f"{EVENT}/invite", response_class=HTMLResponse)
def invite(
    request: Request,
    program_id: ObjectId,
    event_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    with form_attempt(session, whole="membership_ids") as attempt:
        body = InviteIn(
            membership_ids=_ids(form, "membership_ids"),
            mentorship_ids=_ids(form, "mentorship_ids"),
            whole_program=form.get("whole_program") == "1",
        )
        count = events.invite(session, settings, access, body)
    if attempt.refused:
        access = events.event_access(session, user, program_id, event_id)
        return events_pages.render_invite(
            request, session, access, errors=attempt.errors, status_code=attempt.status_code
        )
    if count:
        flash = ngettext(
            "%(num)s person is invited and got a mail with a calendar invitation.",
            "%(num)s people are invited and got a mail with a calendar invitation.",
            count,
        )
    else:
        flash = _("Everyone you chose was invited already.")
    return redirect(events_pages.event_url(access.event), flash=flash, request=request)


@router.get(f"{EVENT}/cancel", response_class=HTMLResponse)
def cancel_page(
    request: Request, program_id: ObjectId, event_id: ObjectId, user: CurrentUser, session: DbSession
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    if not access.may_edit or access.event.cancelled_at is not None:
        raise NotFound(_("Page not found."))
    return events_pages.render_cancel(request, access)


@router.post(f"{EVENT}/cancel", response_class=HTMLResponse)
def cancel(
    request: Request,
    program_id: ObjectId,
    event_id: ObjectId,
    form: PostedForm,
    user: CurrentUser,
    session: DbSession,
    settings: AppSettings,
) -> Response:
    access = events.event_access(session, user, program_id, event_id)
    if form.get("confirm") != "1":
        errors = {"confirm": _("Tick the box to confirm that the event is cancelled.")}
        return events_pages.render_cancel(request, access, errors=errors, status_code=422)
    with form_attempt(session) as attempt:
        events.cancel_event(session, settings, access)
    if attempt.refused:
        access = events.event_access(session, user, program_id, event_id)
        return events_pages.render_event(
            request, session, access, errors=attempt.errors, status_code=attempt.status_code
        )
    flash = _("The event is cancelled. Everyone invited got a mail that removes it from their calendar.")
    return redirect(events_pages.list_url(program_id), flash=flash, request=request)
