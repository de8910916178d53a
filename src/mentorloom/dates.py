"""Dates and times in the reader's language and time zone, shown and typed.

Stored moments are UTC. A page shows them in the signed-in person's time zone (their profile's; set per
request, see web/deps.py) and in the page's language; a date typed into a form may be written the way the
page's language writes dates ("5.12.2026" on a German page) or as ISO 8601 ("2026-12-05", what the API and
older forms send).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale
from babel.dates import format_date, format_skeleton, format_time, get_timezone_location
from pydantic import AfterValidator, BeforeValidator
from pydantic_core import PydanticCustomError, PydanticKnownError

from mentorloom.i18n import get_locale
from mentorloom.i18n import gettext as _

DEFAULT_ZONE = "UTC"
# A one-element list per request, made by the locale middleware before the endpoint runs: FastAPI runs sync
# dependencies in worker threads with a copy of the request's context, so a new value set there would be lost;
# changing the shared list's element is not.
_zone: ContextVar[list[str] | None] = ContextVar("mentorloom_zone", default=None)
_UTC_NAMES = {"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu", "GMT", "Etc/GMT"}
# How a date is typed on a page, per language (what the field's hint says); ISO 8601 is always understood too.
_TYPED = {"de": re.compile(r"^(?P<d>\d{1,2})\.\s*(?P<m>\d{1,2})\.\s*(?P<y>\d{4})$")}
_INPUT_FORMAT = {"de": "%d.%m.%Y"}
# The "short" day: numeric, with a four-digit year ("12/7/2026", "07.12.2026"); Babel's own has two digits.
SHORT_DAY_SKELETON = "yMMdd"
_CLOCK_SUFFIX = {"de": " Uhr"}  # „14:00 Uhr“ in running text
# What a typed date must look like once the page's own way of writing it is read (ISO 8601, a day, nothing else).
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$", re.ASCII)
# The days a typed date may name. Outside them it is a typing mistake, not a plan: year 1 or 9999 for a goal
# or a planned end (and year 1 cannot even be written with the four digits the format asks for).
FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
_TIME = re.compile(r"^(?P<h>\d{1,2})(?:[:.,]?(?P<m>\d{2}))?(?:\s*(?:Uhr|h))?$")


def begin_request() -> None:
    """A fresh time-zone slot for this request (UTC until the signed-in person is known)."""
    _zone.set([DEFAULT_ZONE])


def set_timezone(name: str) -> None:
    """Show this request's times in `name` (an IANA zone); an unknown name means UTC."""
    valid = name if _zone_info(name) is not None else DEFAULT_ZONE
    holder = _zone.get()
    if holder is None:
        _zone.set([valid])
    else:
        holder[0] = valid


def get_timezone() -> str:
    holder = _zone.get()
    return holder[0] if holder else DEFAULT_ZONE


@contextmanager
def use_timezone(name: str) -> Iterator[None]:
    """Show times in `name` for a while, e.g. a mail in its recipient's zone."""
    token = _zone.set([name if _zone_info(name) is not None else DEFAULT_ZONE])
    try:
        yield
    finally:
        _zone.reset(token)


@lru_cache(maxsize=512)
def _zone_info(name: str) -> ZoneInfo | None:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        return None


def local(moment: datetime) -> datetime:
    """A stored moment (UTC, naive or aware) in the reader's time zone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(_zone_info(get_timezone()) or UTC)


def format_day(value: date | datetime | None, fmt: str = "medium") -> str:
    """A day in the page's language; a moment first moves to the reader's zone (late evening stays that day)."""
    if value is None:
        return ""
    day = local(value).date() if isinstance(value, datetime) else value
    if fmt == "short":
        # Babel's short form writes two-digit years ("12/7/26", "07.12.26"); every date shows four digits.
        # The compact numeric form for tables: "12/7/2026", "07.12.2026".
        return str(format_skeleton(SHORT_DAY_SKELETON, day, locale=get_locale()))
    return format_date(day, format=fmt, locale=get_locale())


def format_clock(value: time | datetime, *, with_zone: bool = False) -> str:
    """A time of day as the page's language writes it in running text: "14:00 Uhr", "2:00 PM"."""
    moment = local(value) if isinstance(value, datetime) else value
    text = format_time(moment, format="short", locale=get_locale()) + _CLOCK_SUFFIX.get(get_locale(), "")
    return f"{text} ({zone_name(get_timezone(), short=True)})" if with_zone else text


def format_moment(value: datetime | str | None, fmt: str = "medium", *, with_zone: bool = True) -> str:
    """Day and time in the reader's zone, e.g. "05.12.2026, 14:00 Uhr (Berlin)".

    An ISO 8601 text is read first: a mail's context is plain JSON and is rendered when the mail is sent.
    """
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{format_day(value, fmt)}, {format_clock(value, with_zone=with_zone)}"


def zone_name(name: str, *, short: bool = False) -> str:
    """A time zone in words of the page's language ("Berlin (Deutschland)"), never a raw IANA name.

    Names that are no place ("Factory", "localtime", "Etc/GMT+5") read as their offset from UTC.
    """
    if name in _UTC_NAMES:
        return "UTC" if short else _("Coordinated Universal Time (UTC)")
    zone = _zone_info(name)
    if zone is None or "/" not in name or name.startswith("Etc/"):
        return _utc_offset(zone)
    locale = Locale.parse(get_locale())
    city = get_timezone_location(name, locale=locale, return_city=True)
    if short:
        return city
    country = _country(name, locale)
    return f"{city} ({country})" if country and country != city else city


def _utc_offset(zone: ZoneInfo | None) -> str:
    delta = datetime.now(UTC).astimezone(zone or UTC).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _country(name: str, locale: Locale) -> str | None:
    from mentorloom.profiles.timezones import current_zones

    codes = dict(current_zones()).get(name, ())
    return next((locale.territories.get(code) for code in codes if code in locale.territories), None)


# --- typed dates and times -------------------------------------------------------------------------------------


def date_hint() -> str:
    """How to type a date on this page, for the field's hint: "TT.MM.JJJJ" on a German page."""
    return _("YYYY-MM-DD")


def input_day(value: date | str | None) -> str:
    """A date as a form field shows it on this page (a value typed earlier is shown as typed)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return value
    else:
        day = value
    # %Y has no leading zeros on every platform (year 1 became "1"): the year is always written with four digits
    return day.strftime(_INPUT_FORMAT.get(get_locale(), "%Y-%m-%d").replace("%Y", f"{day.year:04d}"))


def typed_day(text: str) -> str:
    """A typed date as ISO 8601 for the schemas; text that is no date comes back as it is (the schema says why)."""
    text = text.strip()
    pattern = _TYPED.get(get_locale())
    match = pattern.match(text) if pattern else None
    if match is None:
        return text
    try:
        return date(int(match["y"]), int(match["m"]), int(match["d"])).isoformat()
    except ValueError:
        return text


def _typed_value(value: Any) -> Any:
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        # pydantic would read a number as seconds since 1970: 0 was 1 January 1970, 2**31 an English riddle
        raise PydanticKnownError("date_type")
    text = typed_day(value)
    if not _ISO_DAY.match(text):
        # the same for digits alone ("20260101", "-1") and a time of day after the date, which pydantic takes
        raise PydanticKnownError("date_parsing", {"error": "expected a date as YYYY-MM-DD"})
    return text


def _within_range(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise PydanticCustomError(
            "date_out_of_range",
            "Enter a date from {first} to {last}.",
            {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
        )
    return day


# A date field of an input schema: ISO 8601 or the way the page's language writes dates ("5.12.2026"),
# a day from FIRST_DAY to LAST_DAY.
TypedDate = Annotated[date, BeforeValidator(_typed_value), AfterValidator(_within_range)]


def typed_time(text: str) -> str:
    """A typed time of day as HH:MM ("9.30", "930", "9 Uhr" → "09:30", "09:30", "09:00"); anything else as it is."""
    text = text.strip()
    match = _TIME.match(text)
    if match is None:
        return text
    hours, minutes = int(match["h"]), int(match["m"] or 0)
    return f"{hours:02d}:{minutes:02d}" if hours <= 24 else text
