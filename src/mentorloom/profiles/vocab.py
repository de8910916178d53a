"""Shared vocabularies: the work-values inventory, languages, tag normalisation."""

from __future__ import annotations

import re
import unicodedata
from zoneinfo import available_timezones

from mentorloom.i18n import lazy_gettext as _l

# About twenty work values (after Schwartz's value theory and common career-values card sorts).
# Keys are stable identifiers stored in profiles and CSV files; labels are translated.
WORK_VALUES: dict[str, object] = {
    "achievement": _l("Achievement"),
    "autonomy": _l("Autonomy"),
    "balance": _l("Work-life balance"),
    "collaboration": _l("Collaboration"),
    "creativity": _l("Creativity"),
    "diversity": _l("Diversity"),
    "fairness": _l("Fairness"),
    "family": _l("Family"),
    "growth": _l("Growth"),
    "helping": _l("Helping others"),
    "honesty": _l("Honesty"),
    "impact": _l("Impact"),
    "leadership": _l("Leadership"),
    "learning": _l("Learning"),
    "recognition": _l("Recognition"),
    "responsibility": _l("Responsibility"),
    "security": _l("Security"),
    "sustainability": _l("Sustainability"),
    "tradition": _l("Tradition"),
    "variety": _l("Variety"),
}

# ISO 639-1 codes offered in forms; any two-letter code is accepted on import.
LANGUAGES: dict[str, object] = {
    "de": _l("German"),
    "en": _l("English"),
    "fr": _l("French"),
    "es": _l("Spanish"),
    "it": _l("Italian"),
    "nl": _l("Dutch"),
    "pl": _l("Polish"),
    "pt": _l("Portuguese"),
    "tr": _l("Turkish"),
    "ar": _l("Arabic"),
    "zh": _l("Chinese"),
    "uk": _l("Ukrainian"),
}

LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
_WHITESPACE = re.compile(r"\s+")
TAG_MAX_LENGTH = 80


def tag_label(raw: str) -> str:
    """The display form of a tag: NFC-composed, trimmed, single spaces (keeps the user's case)."""
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFC", raw)).strip()


def tag_key(raw: str) -> str:
    """The lookup form: 'Verhandlungsführung ', 'verhandlungsfu\u0308hrung' and 'VERHANDLUNGSFÜHRUNG' agree.

    casefold() (not lower()) so that 'ß' and 'ss' compare equal, as German speakers expect.
    """
    return unicodedata.normalize("NFC", tag_label(raw).casefold())


def is_valid_timezone(name: str) -> bool:
    return name in _timezones()


_TZ_CACHE: set[str] = set()


def _timezones() -> set[str]:
    if not _TZ_CACHE:
        _TZ_CACHE.update(available_timezones())
    return _TZ_CACHE
