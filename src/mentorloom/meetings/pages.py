"""The three meeting pages as context for their templates: the pair's meetings, planning a series, one meeting.

A refused change shows its page again through the same function, with `errors` at the fields and `values` as
typed; `views` and `meeting_views` only read forms and call the domain (the same functions as `api`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom import dates
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.errors import ValidationFailed
from mentorloom.meetings import display, markdown, planning, presenters, recurrence, series, service, video
from mentorloom.meetings.models import Meeting, MeetingSeries, MeetingStatus
from mentorloom.mentorships import agreements, goals, queries
from mentorloom.mentorships.access import Seat
from mentorloom.mentorships.models import MeetingFormat, MentorshipStatus, Side
from mentorloom.profiles.timezones import timezone_choices
from mentorloom.web.pages import render

PAST_STEP = 10
UPCOMING_SHOWN = 6
MAX_LIST = 400  # as the API's limit


def pair_url(seat: Seat) -> str:
    return f"/programs/{seat.program.id}/mentorships/{seat.mentorship.id}"


def list_url(seat: Seat) -> str:
    return f"{pair_url(seat)}/meetings"


def meeting_url(seat: Seat, meeting: Meeting | int) -> str:
    return f"{list_url(seat)}/{meeting if isinstance(meeting, int) else meeting.id}"


def partner_name(seat: Seat) -> str:
    other = seat.mentorship.mentee if seat.side is Side.MENTOR else seat.mentorship.mentor
    return other.user.display_name


def own_membership_id(seat: Seat) -> int:
    return seat.mentorship.mentor_id if seat.side is Side.MENTOR else seat.mentorship.mentee_id


def partner_time(session: Session, seat: Seat, moment: datetime) -> str:
    """The moment in the partner's zone; empty when they live in the reader's zone (the same text twice)."""
    zone = presenters.partner_zone(session, seat)
    return "" if zone == dates.get_timezone() else display.moment_text(moment, zone)


def _common(seat: Seat, errors: dict[str, str] | None, values: dict[str, Any] | None) -> dict[str, Any]:
    gone = series.one_side_erased(seat.mentorship)
    return {
        "program": seat.program,
        "seat": seat,
        "pair_url": pair_url(seat),
        "list_url": list_url(seat),
        "partner": partner_name(seat),
        "my_zone": dates.zone_name(dates.get_timezone(), short=True),
        # nobody can meet an erased partner: the pages then offer no planning, agenda or moving at all
        "partner_gone": gone,
        "active": seat.mentorship.status is MentorshipStatus.ACTIVE and not gone,
        "errors": errors or {},
        "values": values or {},
        "formats": [f.value for f in MeetingFormat],
    }


# --- the list ----------------------------------------------------------------------------------------------


def row(seat: Seat, meeting: Meeting, now: datetime) -> dict[str, Any]:
    return {
        "m": meeting,
        "when": display.moment_text(meeting.starts_at),
        "status": display.status_of(meeting, now),
        "url": meeting_url(seat, meeting),
    }


def _series_context(session: Session, seat: Seat) -> dict[str, Any]:
    item = series.active_series(session, seat.mentorship)
    changed = series.cadence_changed(session, seat.mentorship)
    count = 0
    if item is not None:
        count = session.scalar(select(func.count()).select_from(Meeting).where(Meeting.series_id == item.id)) or 0
    return {
        "series": item,
        "series_text": display.series_sentence(item) if item else "",
        "series_count": count,
        "cadence_banner": display.agreement_now_says(changed.cadence) if changed else "",
        "agreement": agreements.in_force(session, seat.mentorship),
    }


def render_list(
    request: Request,
    session: Session,
    settings: Settings,
    seat: Seat,
    *,
    past: int = PAST_STEP,
    all_upcoming: bool = False,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The pair's meetings: the next one, the plan, what is coming and what was."""
    now = utcnow()
    upcoming = service.meetings(session, seat, upcoming=True, limit=MAX_LIST if all_upcoming else UPCOMING_SHOWN + 2)
    nxt = None if series.one_side_erased(seat.mentorship) else service.next_meeting(session, seat)
    rest = [m for m in upcoming if nxt is None or m.id != nxt.id]
    shown = rest if all_upcoming else rest[:UPCOMING_SHOWN]
    earlier = service.meetings(session, seat, upcoming=False, limit=min(past, MAX_LIST) + 1)
    pair = video.pair_settings(session, seat.mentorship)
    ctx = _common(seat, errors, values) | _series_context(session, seat)
    ctx |= {
        "next": _next_card(session, settings, seat, nxt) if nxt else None,
        "upcoming": [row(seat, m, now) for m in shown],
        "more_upcoming": not all_upcoming and len(rest) > len(shown),
        "past": [row(seat, m, now) for m in earlier[:past]],
        "more_past": past + PAST_STEP if len(earlier) > past and past < MAX_LIST else None,
        "video_url": video.video_url(settings, pair),
        "fixed_link": pair.video_link,
        "open_items": service.open_action_items(session, seat),
        "moment_defaults": {"add.duration_minutes": "60", "add.format": _agreed_format(session, seat)},
    }
    return render(request, "meetings/list.html", ctx, status_code=status_code)


def _agreed_format(session: Session, seat: Seat) -> str:
    agreement = agreements.in_force(session, seat.mentorship)
    return (agreement.format if agreement else MeetingFormat.VIDEO).value


def _next_card(session: Session, settings: Settings, seat: Seat, meeting: Meeting) -> dict[str, Any]:
    return row(seat, meeting, utcnow()) | {
        "partner_when": partner_time(session, seat, meeting.starts_at),
        "video_url": presenters.video_for(session, settings, seat.mentorship, meeting),
        "agenda": list(meeting.agenda),
    }


# --- planning --------------------------------------------------------------------------------------------

PLAN_FIELDS = (
    "cadence",
    "weekday",
    "local_time",
    "timezone",
    "starts_on",
    "until",
    "monthly_by",
    "week_of_month",
    "day_of_month",
    "duration_minutes",
    "format",
    "location",
)


def plan_defaults(session: Session, seat: Seat) -> dict[str, str]:
    """The form as it opens: the agreement's cadence and format, the running series' time, the mentorship's dates."""
    agreement = agreements.in_force(session, seat.mentorship) or agreements.current(session, seat.mentorship)
    running: MeetingSeries | None = series.active_series(session, seat.mentorship)
    first, last = series.window(seat.mentorship, agreement)
    today = dates.local(utcnow()).date()
    start = display.default_start(first, last, today)
    values = {
        "cadence": (agreement.cadence.value if agreement else "monthly"),
        "weekday": str(start.weekday()),
        "local_time": "",
        "timezone": presenters.zone_of(session, seat),
        "starts_on": start.isoformat(),
        "until": last.isoformat(),
        "monthly_by": "weekday",
        "week_of_month": "1",
        "day_of_month": str(start.day),
        "duration_minutes": "60",
        "format": (agreement.format.value if agreement else MeetingFormat.VIDEO.value),
        "location": "",
    }
    if running is not None:
        values |= {
            "weekday": str(running.starts_on.weekday()),
            "local_time": display.hhmm(running.local_time),
            "timezone": running.timezone,
            "duration_minutes": str(running.duration_minutes),
            "format": running.format.value,
            "location": running.location,
        }
    return values


def render_plan(
    request: Request,
    session: Session,
    seat: Seat,
    *,
    values: dict[str, str],
    find: bool = False,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    """The plan form; with `find`, the three best slots for both above it."""
    ctx = _common(seat, errors, values) | _series_context(session, seat)
    duration = _duration(values.get("duration_minutes", ""))
    found = None
    if find:
        partner = partner_name(seat)
        side = seat.side or Side.MENTOR
        found = [
            display.suggestion(slot, side, partner, duration=duration)
            for slot in planning.suggestions(session, seat, duration_minutes=duration)
        ]
    partner_zone = presenters.partner_zone(session, seat)
    ctx |= {
        "weekdays": display.weekday_names(),
        "timezone_groups": timezone_choices(
            [z for z in (values.get("timezone", ""), presenters.zone_of(session, seat), partner_zone) if _known(z)]
        ),
        "suggestions": found,
        "duration": duration,
        "profile_url": f"/programs/{seat.program.id}/participants/{own_membership_id(seat)}/edit",
    }
    return render(request, "meetings/plan.html", ctx, status_code=status_code)


def _known(zone: str) -> bool:
    """A zone the picker can name: an unknown one typed into the URL or the form is refused, not listed."""
    try:
        recurrence.zone(zone)
    except ValidationFailed:
        return False
    return "/" in zone or zone == "UTC"


def _duration(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        return 60
    return value if series.MIN_MINUTES <= value <= series.MAX_MINUTES else 60


# --- one meeting -------------------------------------------------------------------------------------------


def render_meeting(
    request: Request,
    session: Session,
    settings: Settings,
    seat: Seat,
    meeting: Meeting,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
    stale_notes: str | None = None,
    confirm_cancel: bool = False,
    status_code: int = 200,
) -> Response:
    """Everything of one meeting the reader may see: their own private note, the feedback shared with them."""
    now = utcnow()
    mine, theirs = service.feedback_for(session, seat, meeting)
    note = service.private_note(session, meeting, seat.user)
    names = queries.names(seat.mentorship, session, {a.author_id for a in meeting.agenda} | {meeting.outcome_by_id})
    day, clock = display.local_parts(meeting.starts_at)
    ctx = _common(seat, errors, values) | {
        "meeting": meeting,
        "url": meeting_url(seat, meeting),
        "status": display.status_of(meeting, now),
        "when": display.moment_text(meeting.starts_at),
        "partner_when": partner_time(session, seat, meeting.starts_at),
        "partner_zone": dates.zone_name(presenters.partner_zone(session, seat), short=True),
        "minutes": display.minutes_of(meeting),
        "video_url": presenters.video_for(session, settings, seat.mentorship, meeting),
        "series_text": _series_text(session, meeting),
        "scheduled": meeting.status is MeetingStatus.SCHEDULED,
        "started": display.started(meeting, now),
        "over": meeting.ends_at <= now,
        "held": meeting.status is MeetingStatus.HELD,
        "names": names,
        "notes_html": markdown.render(meeting.notes),
        "stale_html": markdown.render(stale_notes) if stale_notes is not None else None,
        "here": service.action_items_of_meeting(session, meeting),
        "carried": [i for i in service.open_action_items(session, seat) if i.meeting_id != meeting.id],
        "goals": _goals(session, seat),
        "private_note": note.text if note else "",
        "my_feedback": mine,
        "partner_feedback": theirs,
        "confirm_cancel": confirm_cancel,
    }
    move = {"move.day": day, "move.time": clock, "move.duration_minutes": str(display.minutes_of(meeting))}
    ctx["move_values"] = move | {k: v for k, v in (values or {}).items() if k.startswith("move.")}
    return render(request, "meetings/meeting.html", ctx, status_code=status_code)


def _series_text(session: Session, meeting: Meeting) -> str:
    if meeting.series_id is None:
        return ""
    item = session.get(MeetingSeries, meeting.series_id)
    return display.series_sentence(item) if item else ""


def _goals(session: Session, seat: Seat) -> list[dict[str, Any]]:
    """The goals of the current agreement with their progress, for recording progress from the meeting."""
    if seat.mentorship.status not in agreements.WORKING:
        return []
    current = agreements.current(session, seat.mentorship)
    if current is None:
        return []
    states = goals.states(session, seat.mentorship)
    return [
        {"key": g.key, "title": g.title, "progress": states[g.key].progress if g.key in states else 0}
        for g in current.goals
    ]
