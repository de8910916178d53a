"""What the meeting pages say, in the reader's language and time zone: the series as a sentence, each meeting's
day and time, the find-a-time suggestions in both people's local times, overdue and the feedback trend.

Whole sentences come from the catalogue, one per case (a cadence, an ordinal), so no German sentence is built
around a placeholder (GERMAN-STYLE rule 4).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal

from babel.dates import format_skeleton, get_day_names

from mentorloom import dates
from mentorloom.db import as_utc, utcnow
from mentorloom.i18n import get_locale, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.meetings import slots
from mentorloom.meetings.models import Meeting, MeetingSeries, MeetingStatus
from mentorloom.meetings.overdue import Overdue
from mentorloom.meetings.recurrence import ICAL_DAYS
from mentorloom.meetings.service import TrendPoint
from mentorloom.mentorships.models import Side
from mentorloom.numbers import is_digits
from mentorloom.programs.models import Cadence


def weekday_names(width: Literal["wide", "abbreviated"] = "wide") -> list[str]:
    """Monday first, in the page's language."""
    names = get_day_names(width, locale=get_locale())
    return [str(names[i]) for i in range(7)]


def day_text(day: date, *, year: bool = True) -> str:
    """ "Mon, 8 Mar 2027" / „Mo., 8. März 2027“."""
    return str(format_skeleton("yMMMEd" if year else "MMMEd", day, locale=get_locale()))


def moment_text(moment: datetime, zone: str | None = None) -> str:
    """Day and time of a stored moment in `zone` (the reader's own by default), e.g. „Di., 2. März 2027, 18:00 Uhr“."""
    if zone is None:
        local = dates.local(moment)
        return f"{day_text(local.date())}, {dates.format_clock(local.time())}"
    with dates.use_timezone(zone):
        local = dates.local(moment)
        return f"{day_text(local.date())}, {dates.format_clock(local.time())}"


def local_parts(moment: datetime) -> tuple[str, str]:
    """The reader's local day as a form shows it and the time as HH:MM, to prefill a "move" form."""
    local = dates.local(moment)
    return dates.input_day(local.date()), f"{local:%H:%M}"


# --- the series as a sentence ------------------------------------------------------------------------------


def _rule_parts(text: str) -> dict[str, str]:
    return dict(part.partition("=")[::2] for part in text.upper().removeprefix("RRULE:").split(";") if part)


def _ordinal_sentence(nth: int, weekday: str, clock: str, zone: str) -> str:
    texts = {
        1: _("Monthly on the first %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone),
        2: _("Monthly on the second %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone),
        3: _("Monthly on the third %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone),
        4: _("Monthly on the fourth %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone),
        -1: _("Monthly on the last %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone),
    }
    return texts.get(nth, texts[1])


def series_sentence(item: MeetingSeries) -> str:
    """ "Weekly on Tuesday at 18:00 (Berlin)": the rule as people say it, in the zone it was planned in."""
    parts = _rule_parts(item.rrule)
    clock = dates.format_clock(item.local_time)
    zone = dates.zone_name(item.timezone, short=True)
    names = weekday_names()
    byday = parts.get("BYDAY", "")
    code = byday.lstrip("+-0123456789")
    weekday = names[ICAL_DAYS.index(code)] if code in ICAL_DAYS else names[item.starts_on.weekday()]
    if parts.get("FREQ") == "MONTHLY":
        if "BYMONTHDAY" in parts and is_digits(parts["BYMONTHDAY"].lstrip("-")):
            day = parts["BYMONTHDAY"]
            return _("Monthly on day %(n)s at %(time)s (%(zone)s)", n=day, time=clock, zone=zone)
        prefix = byday[: len(byday) - len(code)] or "1"
        nth = int(prefix) if is_digits(prefix.lstrip("+-")) else 1
        return _ordinal_sentence(nth, weekday, clock, zone)
    if parts.get("INTERVAL", "1") == "2":
        return _("Every two weeks on %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone)
    return _("Weekly on %(day)s at %(time)s (%(zone)s)", day=weekday, time=clock, zone=zone)


def agreement_now_says(cadence: Cadence) -> str:
    """The banner when the agreement's cadence no longer matches the running series."""
    texts = {
        Cadence.WEEKLY: _("Your agreement now says weekly. Update the series so your calendar follows it."),
        Cadence.BIWEEKLY: _("Your agreement now says every two weeks. Update the series so your calendar follows it."),
        Cadence.MONTHLY: _("Your agreement now says monthly. Update the series so your calendar follows it."),
    }
    return texts[cadence]


# --- one meeting -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    key: str  # planned | due | held | missed | cancelled: the badge's look
    label: str


def status_of(meeting: Meeting, now: datetime | None = None) -> Status:
    """What a meeting's badge says; a planned one whose time has come asks whether it took place."""
    now = now or utcnow()
    if meeting.status is MeetingStatus.CANCELLED:
        return Status("cancelled", _("Cancelled"))
    if meeting.status is MeetingStatus.HELD:
        return Status("held", _("Took place"))
    if meeting.status is MeetingStatus.MISSED:
        return Status("missed", _("Did not take place"))
    if as_utc(meeting.starts_at) <= now:
        return Status("due", _("Did it take place?"))
    return Status("planned", _("Planned"))


def started(meeting: Meeting, now: datetime | None = None) -> bool:
    return as_utc(meeting.starts_at) <= (now or utcnow())


def minutes_of(meeting: Meeting) -> int:
    return int((meeting.ends_at - meeting.starts_at).total_seconds() // 60)


# --- find a time -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """One suggested slot as the reader sees it, with what "Use this time" puts into the form."""

    mine: str  # "Tue 18:00 for you"
    partner: str  # "Tue 12:00 for Ben (New York)"
    fit: str  # "fits all 52 meetings"
    complete: bool
    notes: list[str] = field(default_factory=list)  # daylight-saving changes moving it out of a window
    values: dict[str, str] = field(default_factory=dict)


def _short_day(weekday: int) -> str:
    return weekday_names("abbreviated")[weekday]


def fit_phrase(slot: slots.Slot) -> str:
    if slot.fitting == slot.occurrences:
        return ngettext("fits the one meeting", "fits all %(num)s meetings", slot.occurrences)
    return ngettext(
        "fits %(count)s of %(num)s meeting", "fits %(count)s of %(num)s meetings", slot.occurrences, count=slot.fitting
    )


def _runs(shifts: list[slots.Shift], gap: timedelta) -> list[list[slots.Shift]]:
    """Shifts of one person grouped into runs of dates no further apart than `gap` (one daylight-saving spell)."""
    runs: list[list[slots.Shift]] = []
    for shift in sorted(shifts, key=lambda s: s.on):
        if runs and shift.on - runs[-1][-1].on <= gap:
            runs[-1].append(shift)
        else:
            runs.append([shift])
    return runs


def dst_notes(slot: slots.Slot, first_is_me: bool, partner: str) -> list[str]:
    """ "From 8 Mar to 29 Mar 2027 this is at 19:00 for Ben, outside the hours Ben is available." """
    gap = timedelta(days=35 if slot.cadence == "monthly" else 15)
    notes = []
    for who in ("first", "second"):
        mine = (who == "first") == first_is_me
        for run in _runs([s for s in slot.moved_out if s.who == who], gap):
            first, last = day_text(run[0].on), day_text(run[-1].on)
            clock = dates.format_clock(run[0].local_start)
            if mine and len(run) == 1:
                notes.append(
                    _("On %(day)s this is at %(time)s for you, outside your available hours.", day=first, time=clock)
                )
            elif mine:
                notes.append(
                    _(
                        "From %(day)s to %(date)s this is at %(time)s for you, outside your available hours.",
                        day=first,
                        date=last,
                        time=clock,
                    )
                )
            elif len(run) == 1:
                notes.append(
                    _(
                        "On %(day)s this is at %(time)s for %(name)s, outside the hours %(name)s is available.",
                        day=first,
                        time=clock,
                        name=partner,
                    )
                )
            else:
                notes.append(
                    _(
                        "From %(day)s to %(date)s this is at %(time)s for %(name)s, outside the hours %(name)s is "
                        "available.",
                        day=first,
                        date=last,
                        time=clock,
                        name=partner,
                    )
                )
    return notes


def suggestion(slot: slots.Slot, side: Side, partner: str, *, duration: int) -> Suggestion:
    """A slot from `planning.suggestions` (mentor's zone first) as the reader sees it."""
    first_is_me = side is Side.MENTOR
    one = (_short_day(slot.weekday), dates.format_clock(slot.start), slot.timezone)
    two = (_short_day(slot.second_weekday), dates.format_clock(slot.second_start), slot.second_timezone)
    me, them = (one, two) if first_is_me else (two, one)
    return Suggestion(
        mine=_("%(day)s %(time)s for you", day=me[0], time=me[1]),
        partner=_(
            "%(day)s %(time)s for %(name)s (%(zone)s)",
            day=them[0],
            time=them[1],
            name=partner,
            zone=dates.zone_name(them[2], short=True),
        ),
        fit=fit_phrase(slot),
        complete=slot.fitting == slot.occurrences,
        notes=dst_notes(slot, first_is_me, partner),
        # the series is planned in the zone the slot was found in (the mentor's), so its dates stay exact
        values={
            "weekday": str(slot.weekday),
            "local_time": f"{slot.start:%H:%M}",
            "timezone": slot.timezone,
            "starts_on": slot.first_on.isoformat(),
            "duration_minutes": str(duration),
            "monthly_by": "weekday",
            "week_of_month": "1",
        },
    )


# --- overdue and the trend -------------------------------------------------------------------------------------


def overdue_sentence(figures: Overdue, *, own: bool) -> str:
    """ "You have not met for 52 days; you agreed to meet monthly." (coordinators: "No meeting held for …")."""
    if own:
        texts = {
            Cadence.WEEKLY: ngettext(
                "You have not met for %(num)s day; you agreed to meet weekly.",
                "You have not met for %(num)s days; you agreed to meet weekly.",
                figures.days_since,
            ),
            Cadence.BIWEEKLY: ngettext(
                "You have not met for %(num)s day; you agreed to meet every two weeks.",
                "You have not met for %(num)s days; you agreed to meet every two weeks.",
                figures.days_since,
            ),
            Cadence.MONTHLY: ngettext(
                "You have not met for %(num)s day; you agreed to meet monthly.",
                "You have not met for %(num)s days; you agreed to meet monthly.",
                figures.days_since,
            ),
        }
        return texts[figures.cadence]
    return ngettext(
        "No meeting held for %(num)s day (agreed: at least every %(allowed)s days).",
        "No meeting held for %(num)s days (agreed: at least every %(allowed)s days).",
        figures.days_since,
        allowed=figures.allowed_days,
    )


@dataclass(frozen=True)
class Spark:
    """A small line of usefulness scores (1-5), drawn server-side as SVG."""

    width: int
    height: int
    mine: str  # polyline points
    partner: str
    dots: list[tuple[float, float]]
    partner_dots: list[tuple[float, float]]
    scores: list[int]
    partner_scores: list[int]


def sparkline(points: list[TrendPoint], width: int = 160, height: int = 40) -> Spark | None:
    """The reader's scores (and the partner's shared ones) over the last held meetings; None before any score."""
    mine = [p.mine for p in points]
    theirs = [p.partner for p in points]
    if not any(v is not None for v in mine + theirs):
        return None
    step = width / max(1, len(points) - 1)
    pad = 4

    def x(i: int) -> float:
        return round(width / 2 if len(points) == 1 else i * step, 1)  # one score sits in the middle

    def y(value: int) -> float:
        return round(pad + (5 - value) * (height - 2 * pad) / 4, 1)

    def line(values: list[int | None]) -> str:
        return " ".join(f"{x(i)},{y(v)}" for i, v in enumerate(values) if v is not None)

    dots = [(x(i), y(v)) for i, v in enumerate(mine) if v is not None]
    partner_dots = [(x(i), y(v)) for i, v in enumerate(theirs) if v is not None]
    return Spark(
        width,
        height,
        line(mine),
        line(theirs),
        dots,
        partner_dots,
        [v for v in mine if v is not None],
        [v for v in theirs if v is not None],
    )


def default_start(first: date, last: date, today: date) -> date:
    """The first day a new plan starts on: today, kept inside the mentorship's dates."""
    return min(max(today, first), last)


def hhmm(value: time) -> str:
    return f"{value:%H:%M}"
