"""The date range of the analytics and retention pages, and calendar months in UTC.

A range is two days, both included; `bounds()` turns it into [first day 00:00 UTC, day after the last 00:00 UTC).
Typed dates follow the page's language (31.12.2025 on German pages) and ISO 8601 everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from mentorloom.dates import date_hint, typed_day
from mentorloom.errors import ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext

DAYS_PER_MONTH = 30.4375  # a mean calendar month, for "per pair and month" and survival times in months
FIRST_YEAR = 2000
MAX_YEARS = 20


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime | date) -> Month:
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> Month:
        """From "YYYY-MM"."""
        year, month = text.split("-")[:2]
        return cls(int(year), int(month))

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    def start_at(self) -> datetime:
        return datetime(self.year, self.month, 1, tzinfo=UTC)

    def end_at(self) -> datetime:
        return self.next().start_at()

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def months_between(first: date, last: date) -> list[Month]:
    """Every calendar month from `first`'s to `last`'s, in order."""
    out, month = [], Month.of(first)
    while month <= Month.of(last):
        out.append(month)
        month = month.next()
    return out


def months_back(today: date, months: int) -> date:
    """The first day of the month `months - 1` months before today's: `months` whole calendar months up to today."""
    month = Month.of(today)
    for _i in range(months - 1):
        month = Month(month.year - (month.month == 1), (month.month - 2) % 12 + 1)
    return month.first_day()


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        start_at = datetime.combine(self.start, datetime.min.time(), tzinfo=UTC)
        end_at = datetime.combine(self.end + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        return start_at, end_at

    def params(self) -> dict[str, str]:
        """As query parameters for links and exports."""
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}

    def as_json(self) -> dict[str, str]:
        return self.params()


def _day(text: str, name: str) -> date:
    try:
        day = date.fromisoformat(typed_day(text))
    except ValueError:
        raise ValidationFailed(_("Enter a date as %(format)s.", format=date_hint()), field=name) from None
    if day.year < FIRST_YEAR:
        raise ValidationFailed(_("Enter a date from the year %(min)d on.", min=FIRST_YEAR), field=name)
    return day


def widest_start(today: date) -> date:
    """The earliest "from" that parse_range() takes with a blank "to": 1 January of the oldest year that keeps the
    range within MAX_YEARS. "Show all years" links here; a fixed FIRST_YEAR exceeded MAX_YEARS from 2020 on."""
    return date(max(FIRST_YEAR, today.year - MAX_YEARS + 1), 1, 1)


def parse_range(start: str | None, end: str | None, today: date, default_months: int = 12) -> DateRange:
    """The range typed into the form (blank: the last `default_months` calendar months up to today), or a
    refusal naming the field ("from" or "to")."""
    start, end = (start or "").strip(), (end or "").strip()
    last = _day(end, "to") if end else today
    first = _day(start, "from") if start else months_back(min(last, today), default_months)
    if first > last:
        raise ValidationFailed(_("“From” must be on or before “to”."), field="from")
    if (last - first).days > MAX_YEARS * 366:
        message = ngettext(
            "Choose a range of at most %(num)d year.", "Choose a range of at most %(num)d years.", MAX_YEARS
        )
        raise ValidationFailed(message, field="from")
    return DateRange(first, last)
