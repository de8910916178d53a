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


class _Calendar(Calendar):
    """A calendar that keeps its VTIMEZONEs as text, made once per zone and years (see `_vtimezone`).

    Parsing that text into components and writing it out again on every request was a third of a feed's time.
    """

    vtimezones: tuple[bytes, ...] = ()


def new_calendar(method: Method | None = None) -> Calendar:
    cal = _Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    return cal


@lru_cache(maxsize=256)
def _vtimezone(name: str, first_year: int, last_year: int) -> bytes:
    """The zone's changes in these years, each change a sub-component of its own.

    icalendar lists the changes after the first as RDATE values of one sub-component; dateutil's parser
    (vobject) kept only the first of them, so every change from the third on was lost and a meeting after
    it read an hour off. One DTSTART per change is read alike by every parser. Only the years the events
    need: a VTIMEZONE since 1970 made every feed a few KB longer.
    """
    zone = ZoneInfo(name)
    if zone.utcoffset(datetime(2000, 1, 1)) == timedelta(0):
        # vobject compares a zone with UTC over 2000-2020 and drops one that matches; London without its
        # changes of those years matched, and vobject read its meetings with pytz's zone, an hour off in summer.
        first_year = min(first_year, 2000)
    listed = Timezone.from_tzinfo(zone, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))
    vtimezone = Timezone()
    vtimezone.add("tzid", name)
    for part in listed.subcomponents:
        starts = [part.decoded("DTSTART")]
        rdates = part.get("RDATE", [])
        for rdate in rdates if isinstance(rdates, list) else [rdates]:
            starts += [period.dt for period in rdate.dts]
        for start in starts:
            change = type(part)()
            change.add("dtstart", start)
            for key in ("TZNAME", "TZOFFSETFROM", "TZOFFSETTO"):
                if key in part:
                    change[key] = part[key]
            vtimezone.add_component(change)
    return vtimezone.to_ical()


def add_timezones(cal: Calendar, names: Iterable[str], first: datetime, last: datetime) -> None:
    """A VTIMEZONE for each zone the events name, covering the years from `first` to `last`, before the events.

    Before them, because vobject looks a TZID up when it reads the event: a VTIMEZONE after it came too late,
    and vobject took pytz's zone instead, whose use with dateutil's rules put every meeting after a change
    an hour off.
    """
    blocks = tuple(_vtimezone(n, first.year - 1, last.year + 1) for n in sorted(set(names)) if n != "UTC")
    if isinstance(cal, _Calendar):
        cal.vtimezones = blocks  # written out by to_bytes
    else:
        cal.subcomponents[0:0] = [Timezone.from_ical(block) for block in blocks]


def _local(moment: datetime, timezone: str) -> datetime:
    """`moment` as wall-clock time in `timezone`, or in UTC when that wall-clock time names another moment.

    A calendar reads a local time that occurs twice (a fall-back night) as the first one (RFC 5545 3.3.5), so
    a meeting moved to the second 01:30 in New York, written as 01:30, came back an hour early.
    """
    local = moment.astimezone(ZoneInfo(timezone))
    if local.replace(fold=0).astimezone(UTC) != moment:
        return moment.astimezone(UTC)
    return local


def _instance(series: MeetingSeries, original: datetime) -> datetime:
    """An occurrence's original start as its rule names it: the day at the series' local time.

    That differs from the moment's wall-clock time on a spring-forward night, when the local time does not
    exist (02:30 in Berlin is written 02:30, read with the offset before the gap); DTSTART, EXDATE and
    RECURRENCE-ID must name the instances the way the rule expands them, or they match none.
    """
    zone = ZoneInfo(series.timezone)
    named = datetime.combine(original.astimezone(zone).date(), series.local_time, tzinfo=zone)
    return named if named.astimezone(UTC) == original else _local(original, series.timezone)


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
    master = _base_event(series.uid, series.sequence, text, stamp)
    master.add("dtstart", _instance(series, first_start))
    master.add("dtend", _local(first_start + timedelta(minutes=series.duration_minutes), series.timezone))
    master.add("rrule", _rrule_dict(series.rrule, recurrence.until_utc(series.until, series.timezone)))
    cancelled = [_instance(series, _original_start(m)) for m in rows if _is_exception(m)]
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
    event.add("recurrence-id", _instance(series, _original_start(meeting)))
    return event


def to_bytes(cal: Calendar) -> bytes:
    """The calendar as RFC 5545 text, its VTIMEZONEs right after its own properties (before any event)."""
    text = cal.to_ical()
    blocks = cal.vtimezones if isinstance(cal, _Calendar) else ()
    if not blocks:
        return text
    # A line of a folded property goes on with a space, so "\r\nBEGIN:" starts the first component.
    at = text.find(b"\r\nBEGIN:")
    at = at + 2 if at >= 0 else text.rindex(b"END:VCALENDAR")
    return text[:at] + b"".join(blocks) + text[at:]
