"""The event pages as context for their templates: the program's events, one event, the form, inviting, cancelling.

Times are shown in the reader's zone (and in the event's own zone when that differs). A refused change shows
its page again through the same function, with `errors` at the fields and `values` as typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom import dates
from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.engagement import events
from mentorloom.engagement.models import Event, EventAudience, EventInvitation, Rsvp
from mentorloom.engagement.schemas.events import EventIn
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.meetings import display
from mentorloom.meetings.page_inputs import MomentIn
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.extensions import Panel
from mentorloom.profiles.timezones import timezone_choices
from mentorloom.web.forms import validation_messages
from mentorloom.web.pages import render

FORM_FIELDS = (
    "title",
    "description",
    "start_day",
    "start_time",
    "end_day",
    "end_time",
    "timezone",
    "location",
    "online_url",
    "capacity",
    "audience",
)
# The API's names of what the form asks in two fields each: a refusal shows at the field a person fixes.
_FIELD_OF = {"starts_at": "start_day", "ends_at": "end_time"}


def list_url(program_id: int) -> str:
    return f"/programs/{program_id}/events"


def event_url(event: Event) -> str:
    return f"{list_url(event.program_id)}/{event.id}"


def when_text(event: Event, zone: str | None = None) -> str:
    """ "Tue, 2 March 2027, 18:00 – 20:00" in `zone` (the reader's by default); the end with its day when it differs."""
    with dates.use_timezone(zone or dates.get_timezone()):
        start, end = dates.local(event.starts_at), dates.local(event.ends_at)
        first = display.moment_text(event.starts_at)
        if start.date() == end.date():
            return f"{first} – {dates.format_clock(end.time())}"
        return f"{first} – {display.moment_text(event.ends_at)}"


def field_names(errors: dict[str, str]) -> dict[str, str]:
    return {_FIELD_OF.get(k, k): v for k, v in errors.items()}


# --- reading the form -----------------------------------------------------------------------------------------


def event_in(values: dict[str, str], *, may_invite_program: bool) -> EventIn:
    """The form as the API's EventIn; every field's problem at once, named as the form names it."""
    errors: dict[str, str] = {}
    moments: dict[str, str] = {}
    for which in ("start", "end"):
        day = values[f"{which}_day"] or (values["start_day"] if which == "end" else "")
        try:
            moments[which] = MomentIn(day=day, time=values[f"{which}_time"]).local()  # type: ignore[arg-type]
        except ValidationError as exc:
            for name, message in validation_messages(exc).items():
                errors.setdefault(f"{which}_{name}", message)
    audience = values.get("audience") or "invited"
    if audience not in ("invited", "program"):
        audience = "invited"
    data: dict[str, Any] = {
        "title": values["title"],
        "description": values["description"],
        "starts_at": moments.get("start", "2000-01-01T00:00"),
        "ends_at": moments.get("end", "2000-01-01T01:00"),
        "timezone": values["timezone"],
        "location": values["location"],
        "online_url": values["online_url"],
        "capacity": values["capacity"] or None,
        "audience": audience if may_invite_program else "invited",
    }
    try:
        body = EventIn(**data)
    except ValidationError as exc:
        for name, message in field_names(validation_messages(exc)).items():
            errors.setdefault(name, message)
        body = None
    if errors or body is None:
        first = next(iter(errors.values()), _("Check the form."))
        refusal = ValidationFailed(first)
        refusal.errors = [{"field": name, "message": message} for name, message in errors.items()]
        raise refusal
    return body


def values_of(event: Event) -> dict[str, str]:
    """An event as its form shows it, in the event's own zone."""
    with dates.use_timezone(event.timezone):
        start, end = dates.local(event.starts_at), dates.local(event.ends_at)
    return {
        "title": event.title,
        "description": event.description,
        "start_day": dates.input_day(start.date()),
        "start_time": f"{start:%H:%M}",
        "end_day": dates.input_day(end.date()),
        "end_time": f"{end:%H:%M}",
        "timezone": event.timezone,
        "location": event.location,
        "online_url": event.online_url,
        "capacity": "" if event.capacity is None else str(event.capacity),
        "audience": event.audience.value,
    }


# --- the pages ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    event: Event
    url: str
    when: str
    cancelled: bool
    answer: str  # "yes", "waiting", "maybe", "no" or ""


def render_list(request: Request, session: Session, seat: events.ProgramSeat, *, when: str, page: int) -> Response:
    found = events.list_events(session, seat, "past" if when == "past" else "upcoming", page)
    mine = _answers(session, [e.id for e in found.rows], seat.user.id)
    rows = [Row(e, event_url(e), when_text(e), e.cancelled_at is not None, mine.get(e.id, "")) for e in found.rows]
    ctx = {
        "program": seat.program,
        "seat": seat,
        "rows": rows,
        "found": found,
        "when": "past" if when == "past" else "upcoming",
        "list_url": list_url(seat.program.id),
        "my_zone": dates.zone_name(dates.get_timezone(), short=True),
    }
    return render(request, "engagement/events_list.html", ctx)


def _answers(session: Session, event_ids: list[int], user_id: int) -> dict[int, str]:
    if not event_ids:
        return {}
    rows = session.execute(
        select(Rsvp.event_id, Rsvp.answer, Rsvp.waiting_since).where(
            Rsvp.event_id.in_(event_ids), Rsvp.user_id == user_id
        )
    ).all()
    return {eid: ("waiting" if waiting else answer.value) for eid, answer, waiting in rows}


def render_event(
    request: Request,
    session: Session,
    access: events.Access,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    event = access.event
    reader_zone = dates.get_timezone()
    now = utcnow()
    ctx = {
        "program": access.seat.program,
        "access": access,
        "event": event,
        "url": event_url(event),
        "list_url": list_url(event.program_id),
        "when": when_text(event),
        "my_zone": dates.zone_name(reader_zone, short=True),
        "event_when": when_text(event, event.timezone) if event.timezone != reader_zone else "",
        "event_zone": dates.zone_name(event.timezone, short=True),
        "counts": events.counts(session, event),
        "mine": events.my_answer(session, event, access.user),
        "guests": events.guests(session, access) if access.may_edit else None,
        "over": event.ends_at < now,
        "open": event.cancelled_at is None and event.ends_at >= now,
        "creator": _creator_name(session, event),
        "errors": errors or {},
    }
    return render(request, "engagement/events_page.html", ctx, status_code=status_code)


def _creator_name(session: Session, event: Event) -> str:
    if event.created_by_id is None:
        return ""
    user = session.get(User, event.created_by_id)
    return user.display_name if user else ""


def default_values(seat: events.ProgramSeat) -> dict[str, str]:
    return {name: "" for name in FORM_FIELDS} | {
        "timezone": dates.get_timezone(),
        "audience": EventAudience.INVITED.value,
    }


def render_form(
    request: Request,
    seat: events.ProgramSeat,
    *,
    values: dict[str, str],
    event: Event | None = None,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    likely = [z for z in (values.get("timezone", ""), dates.get_timezone()) if _known(z)]
    ctx = {
        "program": seat.program,
        "seat": seat,
        "event": event,
        "values": values,
        "errors": errors or {},
        "list_url": list_url(seat.program.id),
        "action": f"{event_url(event)}/edit" if event else f"{list_url(seat.program.id)}/new",
        "back_url": event_url(event) if event else list_url(seat.program.id),
        "timezone_groups": timezone_choices(likely),
    }
    return render(request, "engagement/events_form.html", ctx, status_code=status_code)


def _known(zone: str) -> bool:
    try:
        ZoneInfo(zone)
    except (ValueError, KeyError, OSError):
        return False
    return bool(zone)


def render_invite(
    request: Request,
    session: Session,
    access: events.Access,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    choices = events.invitable(session, access)
    invited = set(session.scalars(select(EventInvitation.user_id).where(EventInvitation.event_id == access.event.id)))
    ctx = {
        "program": access.seat.program,
        "access": access,
        "event": access.event,
        "url": event_url(access.event),
        "list_url": list_url(access.event.program_id),
        "choices": choices,
        "invited": invited,
        "errors": errors or {},
    }
    return render(request, "engagement/events_invite.html", ctx, status_code=status_code)


def render_cancel(
    request: Request, access: events.Access, *, errors: dict[str, str] | None = None, status_code: int = 200
) -> Response:
    ctx = {
        "program": access.seat.program,
        "event": access.event,
        "url": event_url(access.event),
        "list_url": list_url(access.event.program_id),
        "when": when_text(access.event),
        "errors": errors or {},
    }
    return render(request, "engagement/events_cancel.html", ctx, status_code=status_code)


# --- the pair home ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PanelRow:
    title: str
    url: str
    when: str


@dataclass(frozen=True)
class PanelData:
    rows: list[PanelRow]
    list_url: str


def pair_panel(session: Session, seat: Seat) -> Panel | None:
    """Upcoming events the person is invited to, on their pair home; nothing when there are none."""
    if not seat.in_pair:
        return None
    found = events.upcoming_for(session, seat.user, seat.program.id)
    if not found:
        return None
    rows = [PanelRow(e.title, event_url(e), when_text(e)) for e in found]
    return Panel("engagement/events_panel.html", PanelData(rows, list_url(seat.program.id)), place="aside")
