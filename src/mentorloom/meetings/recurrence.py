"""The series rule: RFC 5545 RRULE text built from the agreement's cadence and expanded with dateutil.

Occurrences are expanded in local wall-clock time of the series' zone and only then turned into UTC, so a
meeting at 18:00 in Berlin stays at 18:00 in Berlin across daylight-saving changes (and moves by an hour in
UTC). A local time that does not exist on a spring-forward day is read as the time before the change
(zoneinfo's fold=0), the way calendar programs do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.numbers import is_digits
from mentorloom.programs.models import Cadence

ICAL_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Interval of each cadence in days, for "overdue" (1.5 × this) and for the size of a plan.
CADENCE_DAYS = {Cadence.WEEKLY: 7, Cadence.BIWEEKLY: 14, Cadence.MONTHLY: 30}
MAX_OCCURRENCES = 400  # about eight years of weekly meetings: a plan is for one cycle
MonthlyBy = Literal["weekday", "date"]
RULE_PARTS = frozenset({"FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "BYSETPOS", "WKST"})
MAX_INTERVAL = 12


@dataclass(frozen=True)
class Plan:
    """What a pair chooses: cadence, the weekday (or day of month), local time and zone, first and last day."""

    cadence: Cadence
    weekday: int  # 0 = Monday; for monthly by weekday, the weekday of the n-th week
    local_time: time
    timezone: str
    starts_on: date
    until: date
    monthly_by: MonthlyBy = "weekday"
    week_of_month: int = 1  # 1..4, or -1 for the last, for monthly by weekday
    day_of_month: int = 1  # 1..31 for monthly by date (months without that day are skipped, as RFC 5545 says)


def rule_for(plan: Plan) -> str:
    """The RRULE value of a plan, without DTSTART and UNTIL (the series keeps those as its own columns)."""
    day = ICAL_DAYS[plan.weekday]
    if plan.cadence is Cadence.MONTHLY:
        if plan.monthly_by == "date":
            body = f"FREQ=MONTHLY;BYMONTHDAY={plan.day_of_month}"
        else:
            body = f"FREQ=MONTHLY;BYDAY={plan.week_of_month:+d}{day}"
    else:
        interval = 2 if plan.cadence is Cadence.BIWEEKLY else 1
        body = f"FREQ=WEEKLY;INTERVAL={interval};BYDAY={day}"
    return body


def zone(name: str, *, field: str = "timezone") -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        raise ValidationFailed(_("Unknown time zone: %(name)s.", name=name[:64]), field=field) from None


def parse_rule(text: str, *, field: str = "rrule") -> rrule:
    """Parse an RRULE value (dtstart is supplied by the caller); a bad rule names the field."""
    text = text.strip().removeprefix("RRULE:")
    if not text or len(text) > 300 or "DTSTART" in text.upper():
        raise ValidationFailed(_("The repeat rule could not be read."), field=field)
    try:
        parsed = rrulestr(text, dtstart=datetime(2000, 1, 1))
    except (ValueError, TypeError, KeyError):
        raise ValidationFailed(_("The repeat rule could not be read."), field=field) from None
    parts = dict(part.partition("=")[::2] for part in text.upper().split(";"))
    freq = parts.get("FREQ")
    if not isinstance(parsed, rrule) or freq not in ("WEEKLY", "MONTHLY"):
        raise ValidationFailed(_("A series repeats weekly or monthly."), field=field)
    # Only the parts a weekly or monthly plan needs. INTERVAL=0 made dateutil loop for ever (the request
    # never answered); COUNT or UNTIL would contradict the series' own last day and, beside the UNTIL the
    # calendar adds, break RFC 5545; BYHOUR and the like would move meetings off the chosen local time; and
    # BYSETPOS in a weekly rule never matches, which dateutil searches up to the year 9999.
    allowed = RULE_PARTS if freq == "MONTHLY" else RULE_PARTS - {"BYSETPOS"}
    interval = parts.get("INTERVAL", "1")
    if set(parts) - allowed or not is_digits(interval) or not 1 <= int(interval) <= MAX_INTERVAL:
        raise ValidationFailed(
            _(
                "A repeat rule gives FREQ, INTERVAL (1 to 12), BYDAY, BYMONTHDAY or BYSETPOS; "
                "the time and the last day are chosen separately."
            ),
            field=field,
        )
    return parsed


def local_starts(rule: str, starts_on: date, local_time: time, until: date) -> list[datetime]:
    """The naive local start of every occurrence from `starts_on` to `until` (both included)."""
    first = datetime.combine(starts_on, local_time)
    last = datetime.combine(until, time(23, 59, 59))
    expanded = rrulestr(rule, dtstart=first).between(first, last, inc=True)
    if len(expanded) > MAX_OCCURRENCES:
        raise ValidationFailed(
            ngettext(
                "A series holds at most %(num)s meeting; plan a shorter one.",
                "A series holds at most %(num)s meetings; plan a shorter one.",
                MAX_OCCURRENCES,
            ),
            field="until",
        )
    return expanded


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    return local.replace(tzinfo=tz).astimezone(UTC)


def occurrences(rule: str, starts_on: date, local_time: time, timezone: str, until: date) -> list[datetime]:
    """Every occurrence's start in UTC, wall-clock stable in `timezone`."""
    tz = zone(timezone)
    return [to_utc(local, tz) for local in local_starts(rule, starts_on, local_time, until)]


def plan_occurrences(plan: Plan) -> list[datetime]:
    return occurrences(rule_for(plan), plan.starts_on, plan.local_time, plan.timezone, plan.until)


def interval_days(cadence: Cadence) -> int:
    return CADENCE_DAYS[cadence]


def until_utc(until: date, timezone: str) -> datetime:
    """The end of the series' last day as a UTC moment (RFC 5545 wants UNTIL in UTC when DTSTART has a TZID)."""
    return to_utc(datetime.combine(until + timedelta(days=1), time()), zone(timezone)) - timedelta(seconds=1)
