"""iCalendar (RFC 5545/5546) for meetings: the personal feed and the invitation attached to a mail.

A series is one VEVENT with its RRULE (UNTIL in UTC), an EXDATE per cancelled occurrence, and one overriding
VEVENT (same UID, RECURRENCE-ID = the original start) per moved occurrence. An ad-hoc meeting is a VEVENT of
its own. Times carry the TZID of the zone the pair planned in, with a VTIMEZONE, so every calendar program
keeps the local time across daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from mentorloom.meetings import recurrence
from mentorloom.meetings.models import Meeting, MeetingSeries, MeetingStatus

PRODID = "-//Mentorloom//Meetings//EN"
Method = Literal["REQUEST", "CANCEL"]


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class EventText:
    """What a calendar shows besides the times, already in the reader's language."""

    summary: str
    description: str = ""
    location: str = ""
    url: str = ""
    organizer: Person | None = None
    attendees: Sequence[Person] = field(default_factory=tuple)


def new_calendar(method: Method | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


@lru_cache(maxsize=256)
def _vtimezone(name: str, first_year: int, last_year: int) -> bytes:
    # Only the years the calendar's events need: a VTIMEZONE listing every change since 1970 was misread by
    # dateutil's parser (vobject) after a daylight-saving change, and it made every feed a few KB longer.
    zone = ZoneInfo(name)
    return Timezone.from_tzinfo(zone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1)).to_ical()


def add_timezones(cal: Calendar, names: Iterable[str], first: datetime, last: datetime) -> None:
    """A VTIMEZONE for each zone the events name, covering the years from `first` to `last`."""
    for name in sorted(set(names)):
        if name != "UTC":
            cal.add_component(Timezone.from_ical(_vtimezone(name, first.year - 1, last.year + 1)))


def _local(moment: datetime, timezone: str) -> datetime:
    return moment.astimezone(ZoneInfo(timezone))


def _base_event(uid: str, sequence: int, text: EventText, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp.astimezone(UTC))
    event.add("sequence", sequence)
    event.add("summary", text.summary)
    if text.description:
        event.add("description", text.description)
    if text.location:
        event.add("location", text.location)
    if text.url:
        event.add("url", text.url)
    if text.organizer:
        organizer = vCalAddress(f"mailto:{text.organizer.email}")
        organizer.params["cn"] = vText(text.organizer.name)
        event.add("organizer", organizer)
    for person in text.attendees:
        attendee = vCalAddress(f"mailto:{person.email}")
        attendee.params.update({"cn": vText(person.name), "role": "REQ-PARTICIPANT", "rsvp": "TRUE"})
        event.add("attendee", attendee, encode=False)
    return event


def _timed(event: Event, start: datetime, end: datetime, timezone: str) -> Event:
    event.add("dtstart", _local(start, timezone))
    event.add("dtend", _local(end, timezone))
    return event


def series_events(
    series: MeetingSeries, occurrences: Sequence[Meeting], text: EventText, stamp: datetime
) -> list[Event]:
    """The series' master VEVENT (RRULE, EXDATEs) and an override VEVENT for every moved occurrence.

    DTSTART is the first occurrence's original start: RFC 5545 counts it as the first instance of the rule.
    """
    rows = sorted((m for m in occurrences if m.original_start is not None), key=_original_start)
    if not rows:
        return []
    first_start = _original_start(rows[0])
    master = _timed(
        _base_event(series.uid, series.sequence, text, stamp),
        first_start,
        first_start + timedelta(minutes=series.duration_minutes),
        series.timezone,
    )
    master.add("rrule", _rrule_dict(series.rrule, recurrence.until_utc(series.until, series.timezone)))
    cancelled = [_local(_original_start(m), series.timezone) for m in rows if _is_exception(m)]
    if cancelled:
        master.add("exdate", cancelled)
    overrides = [occurrence_event(series, m, text, stamp) for m in rows if m.moved and not _is_exception(m)]
    return [master, *overrides]


def cancelled_series_event(series: MeetingSeries, text: EventText, stamp: datetime) -> Event:
    """The series' master VEVENT as cancelled: same UID, a higher SEQUENCE, STATUS:CANCELLED."""
    start = recurrence.to_utc(datetime.combine(series.starts_on, series.local_time), ZoneInfo(series.timezone))
    event = _timed(
        _base_event(series.uid, series.sequence, text, stamp),
        start,
        start + timedelta(minutes=series.duration_minutes),
        series.timezone,
    )
    event.add("status", "CANCELLED")
    return event


def _original_start(meeting: Meeting) -> datetime:
    assert meeting.original_start is not None  # only occurrences of a series get here
    return meeting.original_start


def _is_exception(meeting: Meeting) -> bool:
    return meeting.status is MeetingStatus.CANCELLED


def _rrule_dict(rule: str, until: datetime) -> dict[str, object]:
    parts: dict[str, object] = {}
    for part in rule.split(";"):
        key, _, value = part.partition("=")
        parts[key.lower()] = value.split(",") if key.upper() == "BYDAY" else value
    parts["until"] = until
    return parts


def single_event(meeting: Meeting, text: EventText, stamp: datetime) -> Event:
    event = _base_event(meeting.uid, meeting.sequence, text, stamp)
    return _timed(event, meeting.starts_at, meeting.ends_at, meeting.timezone)


def occurrence_event(series: MeetingSeries, meeting: Meeting, text: EventText, stamp: datetime) -> Event:
    """One occurrence as an override (for a REQUEST after a move, or a CANCEL of that occurrence)."""
    event = _base_event(series.uid, meeting.sequence, text, stamp)
    _timed(event, meeting.starts_at, meeting.ends_at, series.timezone)
    event.add("recurrence-id", _local(_original_start(meeting), series.timezone))
    return event


def to_bytes(cal: Calendar) -> bytes:
    return cal.to_ical()
