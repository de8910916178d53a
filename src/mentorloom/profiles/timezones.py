"""The time-zone picker: today's zones (not the ~600 raw IANA names), by region, in the page's language.

The list is IANA's zone1970.tab from the `tzdata` package (one zone per region whose clocks have agreed
since 1970, no deprecated aliases such as "US/Pacific" or "Factory"). Names come from CLDR through Babel,
e.g. "Berlin (Deutschland)". Any valid IANA name is still accepted when saved or imported, so an older
profile keeps its zone, and it is listed in the picker too.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Iterable
from datetime import UTC, datetime
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import get_timezone_location

from mentorloom.i18n import N_, get_locale
from mentorloom.i18n import gettext as _

REGIONS = {
    "Europe": N_("Europe"),
    "America": N_("Americas"),
    "Africa": N_("Africa"),
    "Asia": N_("Asia"),
    "Australia": N_("Australia"),
    "Pacific": N_("Pacific"),
    "Atlantic": N_("Atlantic"),
    "Indian": N_("Indian Ocean"),
    "Antarctica": N_("Antarctica"),
}


class Zone(NamedTuple):
    name: str  # the IANA name stored in the profile
    label: str  # "Berlin (Deutschland) · UTC+01:00"


@lru_cache(maxsize=1)
def current_zones() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """(IANA name, country codes) of every zone in zone1970.tab."""
    text = importlib.resources.files("tzdata").joinpath("zoneinfo", "zone1970.tab").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line and not line.startswith("#"):
            codes, _coords, name, *_comment = line.split("\t")
            rows.append((name, tuple(codes.split(","))))
    return tuple(sorted(rows))


def _offset(name: str, now: datetime) -> str:
    delta = now.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(delta.total_seconds() // 60) if delta else 0
    sign = "+" if minutes >= 0 else "−"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def zone_label(name: str, countries: Iterable[str] = (), now: datetime | None = None) -> str:
    """A zone in words of the page's language: city, country and today's offset from UTC."""
    locale = Locale.parse(get_locale())
    city = get_timezone_location(name, locale=locale, return_city=True)
    country = next((locale.territories.get(code) for code in countries if code in locale.territories), None)
    place = f"{city} ({country})" if country and country != city else city
    return f"{place} · {_offset(name, now or datetime.now(UTC))}"


def timezone_choices(likely: Iterable[str] = ()) -> list[tuple[str, list[Zone]]]:
    """Optgroups for the picker: the likely zones first (the person's own, their program's), then by region."""
    now = datetime.now(UTC)
    known = dict(current_zones())
    groups: dict[str, list[Zone]] = {}
    for name, countries in current_zones():
        region = name.split("/", 1)[0]
        groups.setdefault(str(_(REGIONS[region])) if region in REGIONS else _("Other"), []).append(
            Zone(name, zone_label(name, countries, now))
        )
    out = [(region, sorted(zones, key=lambda z: z.label)) for region, zones in sorted(groups.items())]
    first = [Zone(n, zone_label(n, known.get(n, ()), now)) for n in dict.fromkeys(likely) if n and n != "UTC"]
    utc = [Zone("UTC", _("Coordinated Universal Time (UTC)"))]
    return [(_("Suggested"), first + utc), *out]
