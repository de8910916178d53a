"""Find a time: the best recurring meeting slots for two people from their weekly availability.

Pure: no database, no web. A slot is a weekday and a start time in the first person's zone (the caller passes
the mentor first: the series is planned in the mentor's local time). Its occurrences come from a
`dateutil.rrule` for the cadence; each is placed on the time line with `zoneinfo` and checked against both
people's windows in their own zones, so a daylight-saving change that moves an occurrence out of someone's
window is found and named with its date.

Speed: a year of weekly occurrences for 7 × 48 candidates is ~17,000 conversions, too slow one by one. The two
zones stand in the same relation to each other on almost every day, so days are grouped by that relation
(the second zone's UTC offset minus the first's, read from zoneinfo once per date) and each candidate is checked
once per group. Only days with an offset change near them are converted occurrence by occurrence, and the few
slots returned are confirmed occurrence by occurrence too, which also yields the exact dates moved out.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.relativedelta import MO, relativedelta
from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday, weekdays

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.numbers import is_digits

CADENCES = ("weekly", "biweekly", "monthly")
DAY = 24 * 60
WEEK = 7 * DAY
# Margins beyond an hour from the window's edges buy nothing more: a slot an hour inside is as good as one three
# hours inside, and the other criteria should decide between them.
COMFORT_CAP = 60
# Suggestions closer than this (in the first person's week) count as the same suggestion.
DIVERSE_GAP = 120
SENSIBLE_HOURS = (8 * 60, 20 * 60)
MAX_PLAN = relativedelta(years=5)
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
Who = Literal["first", "second"]
_WHO: tuple[Who, Who] = ("first", "second")


@dataclass(frozen=True)
class Person:
    """One side of the pair: an IANA zone and the weekly windows as the profile stores them."""

    timezone: str
    # {"day": 0..6 (Monday..Sunday), "start": "HH:MM", "end": "HH:MM" or "24:00"}, in `timezone`
    windows: Sequence[Mapping[str, Any]]


@dataclass(frozen=True)
class Shift:
    """An occurrence that a daylight-saving change moves out of one person's window."""

    on: date  # the occurrence's date in the first person's zone
    who: Who
    local_date: date  # that person's date and start time then
    local_start: time


@dataclass(frozen=True)
class Slot:
    """A recurring slot; the second person's weekday and time are those of the first occurrence that fits."""

    weekday: int  # 0 = Monday, in the first person's zone
    start: time
    timezone: str
    second_weekday: int
    second_start: time
    second_timezone: str
    duration_minutes: int
    cadence: str
    first_on: date  # the first occurrence, in the first person's zone
    occurrences: int
    fitting: int
    fit: float  # fitting / occurrences: the share inside both people's windows
    moved_out: tuple[Shift, ...] = field(default=())

    @property
    def rrule(self) -> str:
        """The cadence as RFC 5545 RRULE text on this slot's weekday (in the first person's zone)."""
        day = _RRULE_DAYS[self.weekday]
        if self.cadence == "monthly":
            return f"FREQ=MONTHLY;BYDAY=1{day}"
        return f"FREQ=WEEKLY;INTERVAL={2 if self.cadence == 'biweekly' else 1};BYDAY={day}"

    def label(self) -> tuple[str, str]:
        """Both local times as short text, e.g. ("Tue 18:00 (Europe/Berlin)", "Tue 12:00 (America/New_York)")."""
        return (
            f"{_WEEKDAY_NAMES[self.weekday]} {self.start:%H:%M} ({self.timezone})",
            f"{_WEEKDAY_NAMES[self.second_weekday]} {self.second_start:%H:%M} ({self.second_timezone})",
        )


@dataclass(frozen=True)
class _Week:
    """One person's availability as merged minute ranges of the week, laid out over three weeks so that a
    range running over Sunday midnight and a meeting starting late on Sunday need no special case."""

    zone: ZoneInfo
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def margin(self, lo: int, hi: int) -> int | None:
        """Minutes from [lo, hi] to the nearer edge of the range holding it; None if no range holds it."""
        i = bisect_right(self.starts, lo) - 1
        if i >= 0 and hi <= self.ends[i]:
            return min(lo - self.starts[i], self.ends[i] - hi)
        return None


@dataclass(frozen=True)
class _Local:
    """Where one occurrence falls for one person."""

    start: datetime  # aware, in the person's zone
    lo: int  # wall-clock minutes of the week, start and end (end after a DST change may differ from lo + duration)
    hi: int


@dataclass
class _Days:
    """A weekday's occurrence dates: grouped by (second's offset − first's offset) where no offset changes near
    the day, one by one where one does."""

    dates: list[date]
    regular: dict[int, list[date]] = field(default_factory=dict)
    irregular: list[date] = field(default_factory=list)


@dataclass(frozen=True)
class _Pair:
    first: Person
    second: Person
    one: _Week
    two: _Week
    duration: int
    cadence: str


@dataclass(frozen=True)
class _Candidate:
    weekday: int
    start: int  # minutes after midnight, first person's zone
    fit: float
    comfort: int
    odd_hours: int

    @property
    def rank(self) -> tuple[float, int, int, int, int]:
        return (-self.fit, -self.comfort, self.odd_hours, self.weekday, self.start)


def suggest_slots(
    first: Person,
    second: Person,
    *,
    duration_minutes: int,
    cadence: str,
    starts_on: date,
    until: date,
    count: int = 3,
    step_minutes: int = 30,
) -> list[Slot]:
    """Up to `count` recurring slots that fit both people best, different from each other; [] if none fits."""
    _check_plan(duration_minutes, cadence, starts_on, until, count, step_minutes)
    pair = _Pair(first, second, _week(first), _week(second), duration_minutes, cadence)
    candidates: list[_Candidate] = []
    by_weekday: dict[int, _Days] = {}
    for day in range(7):
        days = by_weekday[day] = _classify(_dates(cadence, day, starts_on, until), pair)
        if days.dates:
            scored = (_score(day, start, days, pair) for start in range(0, DAY, step_minutes))
            candidates.extend(c for c in scored if c is not None)
    confirmed = (_confirm(chosen, by_weekday[chosen.weekday].dates, pair) for chosen in _pick(candidates, count))
    return [slot for slot in confirmed if slot is not None]


def overlap_minutes_per_week(first: Person, second: Person, on: date) -> int:
    """Minutes both people are available in the week (Monday to Sunday, first person's zone) that holds `on`."""
    monday = on + relativedelta(weekday=MO(-1))
    mine = _merge(_instants(first, monday, (0,)))
    theirs = _merge(_instants(second, monday, (-1, 0, 1)))
    total, i, j = timedelta(), 0, 0
    while i < len(mine) and j < len(theirs):
        lo, hi = max(mine[i][0], theirs[j][0]), min(mine[i][1], theirs[j][1])
        if hi > lo:
            total += hi - lo
        if mine[i][1] < theirs[j][1]:
            i += 1
        else:
            j += 1
    return int(total.total_seconds() // 60)


# --- input ---------------------------------------------------------------------------------------------------


def _check_plan(duration: int, cadence: str, starts_on: date, until: date, count: int, step: int) -> None:
    if cadence not in CADENCES:
        raise ValidationFailed(_("Choose weekly, biweekly or monthly."), field="cadence")
    if not 5 <= duration <= 8 * 60:
        raise ValidationFailed(_("A meeting lasts between 5 minutes and 8 hours."), field="duration_minutes")
    if until < starts_on:
        raise ValidationFailed(_("The end date must not be before the start date."), field="until")
    if until > starts_on + MAX_PLAN:
        raise ValidationFailed(_("Plan at most five years ahead."), field="until")
    if not 1 <= count <= 10:
        raise ValidationFailed(_("Ask for between 1 and 10 suggestions."), field="count")
    if step < 5 or DAY % step:
        raise ValidationFailed(_("Use a step that divides the day, at least 5 minutes."), field="step_minutes")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ValidationFailed(_("Unknown time zone: %(name)s.", name=str(name)[:64]), field="timezone") from None


def _clock(text: object) -> int:
    """ "HH:MM" (or "24:00") as minutes after midnight."""
    hours, sep, minutes = str(text).partition(":")
    if sep and is_digits(hours) and is_digits(minutes) and len(minutes) == 2:
        value = int(hours) * 60 + int(minutes)
        if int(minutes) < 60 and value <= DAY:
            return value
    raise ValidationFailed(_("Write times as HH:MM in 24 hours, e.g. 18:30."), field="availability")


def _part(window: object, key: str) -> object:
    return window.get(key) if isinstance(window, Mapping) else getattr(window, key, None)


def _ranges(person: Person) -> list[tuple[int, int]]:
    """The windows as minute ranges of the week; a window object with attributes works as well as a mapping."""
    ranges = []
    for window in person.windows:
        day, start, end = _part(window, "day"), _clock(_part(window, "start")), _clock(_part(window, "end"))
        if not isinstance(day, int) or not 0 <= day <= 6 or end <= start:
            raise ValidationFailed(
                _("Each window needs a day from 0 (Monday) to 6 (Sunday) and an end after its start."),
                field="availability",
            )
        ranges.append((day * DAY + start, day * DAY + end))
    return ranges


def _week(person: Person) -> _Week:
    zone = _zone(person.timezone)
    spread = sorted((lo + k * WEEK, hi + k * WEEK) for lo, hi in _ranges(person) for k in (-1, 0, 1))
    merged: list[list[int]] = []
    for lo, hi in spread:
        if merged and lo <= merged[-1][1]:  # touching windows (Monday until 24:00, Tuesday from 00:00) are one
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return _Week(zone, tuple(lo for lo, _ in merged), tuple(hi for _, hi in merged))


# --- occurrences ---------------------------------------------------------------------------------------------


def _dates(cadence: str, day: int, starts_on: date, until: date) -> list[date]:
    """The series' dates on `day` from the rrule: the first such weekday on or after `starts_on` anchors
    weekly and biweekly series; monthly ones fall on the first such weekday of each month."""
    begin, end = datetime.combine(starts_on, time()), datetime.combine(until, time())
    on: weekday = weekdays[day]
    if cadence == "monthly":
        return [d.date() for d in rrule(MONTHLY, byweekday=on(+1), dtstart=begin, until=end)]
    anchor = rrule(WEEKLY, byweekday=on, dtstart=begin, until=end).after(begin, inc=True)
    if anchor is None:
        return []
    return [d.date() for d in rrule(WEEKLY, interval=2 if cadence == "biweekly" else 1, dtstart=anchor, until=end)]


def _offset(moment: datetime) -> int:
    delta = moment.utcoffset()
    return int(delta.total_seconds() // 60) if delta is not None else 0


def _classify(dates: list[date], pair: _Pair) -> _Days:
    # Any meeting starting on day d (first's zone) lies between its local midnight and a day plus the duration
    # later (plus an hour, for a 25-hour day). Equal offsets at both ends mean no change in between: zones
    # change their offset at most a few times a year, never twice within a day.
    days, zones = _Days(dates), (pair.one.zone, pair.two.zone)
    for d in dates:
        begin = datetime.combine(d, time(), zones[0]).astimezone(UTC)
        end = begin + timedelta(minutes=DAY + pair.duration + 60)
        offsets = [_offset(moment.astimezone(zone)) for zone in zones for moment in (begin, end)]
        if offsets[0] == offsets[1] and offsets[2] == offsets[3]:
            days.regular.setdefault(offsets[2] - offsets[0], []).append(d)
        else:
            days.irregular.append(d)
    return days


def _local(instant: datetime, duration: int, zone: ZoneInfo) -> _Local:
    start = instant.astimezone(zone)
    end = (instant + timedelta(minutes=duration)).astimezone(zone)
    lo = start.weekday() * DAY + start.hour * 60 + start.minute
    wall = int((end.replace(tzinfo=None) - start.replace(tzinfo=None)).total_seconds() // 60)
    return _Local(start, min(lo, lo + wall), max(lo, lo + wall))


def _occurrence(on: date, start: int, pair: _Pair) -> tuple[_Local, _Local]:
    # A local time that does not exist (the hour skipped in spring) reads with the offset before the change
    # (PEP 495, fold=0), so the meeting happens an hour later on the clock: that is what people would see.
    instant = datetime.combine(on, time(start // 60, start % 60), pair.one.zone).astimezone(UTC)
    return _local(instant, pair.duration, pair.one.zone), _local(instant, pair.duration, pair.two.zone)


# --- scoring ---------------------------------------------------------------------------------------------------


def _odd_hours(lo: int, duration: int) -> int:
    """Minutes of the meeting outside 08:00-20:00 local time."""
    begin = lo % DAY
    inside = max(0, min(begin + duration, SENSIBLE_HOURS[1]) - max(begin, SENSIBLE_HOURS[0]))
    return duration - inside


def _score(day: int, start: int, days: _Days, pair: _Pair) -> _Candidate | None:
    one, two, duration = pair.one, pair.two, pair.duration
    lo = day * DAY + start
    mine = one.margin(lo, lo + duration)
    if mine is None:  # outside the first person's own window on every regular day: not worth a look
        return None
    fitting, comfort, typical = 0, min(mine, COMFORT_CAP), (0, 0)
    for shift, dates in days.regular.items():
        theirs_lo = (lo + shift) % WEEK
        theirs = two.margin(theirs_lo, theirs_lo + duration)
        if theirs is not None:
            fitting += len(dates)
            comfort = min(comfort, theirs)
            typical = max(typical, (len(dates), theirs_lo))
    for on in days.irregular:
        first, second = _occurrence(on, start, pair)
        ours, theirs = one.margin(first.lo, first.hi), two.margin(second.lo, second.hi)
        if ours is not None and theirs is not None:
            fitting += 1
            comfort = min(comfort, ours, theirs)
            typical = max(typical, (0, second.lo))
    if not fitting:
        return None
    odd = _odd_hours(lo, duration) + _odd_hours(typical[1], duration)
    return _Candidate(day, start, fitting / len(days.dates), comfort, odd)


def _apart(a: _Candidate, b: _Candidate) -> bool:
    gap = abs((a.weekday * DAY + a.start) - (b.weekday * DAY + b.start))
    return min(gap, WEEK - gap) >= DIVERSE_GAP


def _pick(candidates: list[_Candidate], count: int) -> list[_Candidate]:
    """The best candidates, each at least DIVERSE_GAP from the others; between equally good ones a day not yet
    suggested wins, so three suggestions spread over the week when the windows allow it."""
    chosen: list[_Candidate] = []
    while len(chosen) < count:
        eligible = [c for c in candidates if all(_apart(c, other) for other in chosen)]
        if not eligible:
            break
        used = {other.weekday for other in chosen}
        chosen.append(min(eligible, key=lambda c: (c.rank[:2], c.weekday in used, c.rank[2:])))
    return chosen


def _confirm(chosen: _Candidate, dates: list[date], pair: _Pair) -> Slot | None:
    """The slot from every occurrence converted on its own, with the ones moved out listed."""
    moved: list[Shift] = []
    fitting, regular = 0, None
    for on in dates:
        places = _occurrence(on, chosen.start, pair)
        weeks = (pair.one, pair.two)
        inside = [week.margin(place.lo, place.hi) is not None for week, place in zip(weeks, places, strict=True)]
        if all(inside):
            fitting += 1
            regular = regular or places[1].start
            continue
        for who, ok, place in zip(_WHO, inside, places, strict=True):
            if not ok:
                moved.append(Shift(on, who, place.start.date(), place.start.time()))
    if regular is None:
        return None
    return Slot(
        weekday=chosen.weekday,
        start=time(chosen.start // 60, chosen.start % 60),
        timezone=pair.first.timezone,
        second_weekday=regular.weekday(),
        second_start=regular.time(),
        second_timezone=pair.second.timezone,
        duration_minutes=pair.duration,
        cadence=pair.cadence,
        first_on=dates[0],
        occurrences=len(dates),
        fitting=fitting,
        fit=fitting / len(dates),
        moved_out=tuple(moved),
    )


# --- weekly overlap --------------------------------------------------------------------------------------------


def _instants(person: Person, monday: date, weeks: tuple[int, ...]) -> list[tuple[datetime, datetime]]:
    zone = _zone(person.timezone)
    spans = []
    for lo, hi in _ranges(person):
        for week in weeks:
            midnight = datetime.combine(monday + relativedelta(weeks=week), time())
            start = (midnight + timedelta(minutes=lo)).replace(tzinfo=zone)
            end = (midnight + timedelta(minutes=hi)).replace(tzinfo=zone)
            spans.append((start.astimezone(UTC), end.astimezone(UTC)))
    return spans


def _merge(spans: list[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    merged: list[tuple[datetime, datetime]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged
