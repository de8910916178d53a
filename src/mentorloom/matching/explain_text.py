"""Explanation facts from the engine, in plain words of the current language."""

from __future__ import annotations

from typing import Any

from babel.numbers import format_decimal

from mentorloom.i18n import get_locale, ngettext
from mentorloom.i18n import gettext as _
from mentorloom.profiles.vocab import LANGUAGES, WORK_VALUES


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return _("%(items)s and %(last)s", items=", ".join(items[:-1]), last=items[-1])


def _value(key: str) -> str:
    return str(WORK_VALUES.get(key, key))


def _language(code: str) -> str:
    return str(LANGUAGES.get(code, code))


def _expertise(fact: dict[str, Any]) -> str:
    priority = int(fact["mentee_priority"])
    wish = {1: _("top learning wish"), 2: _("another learning wish"), 3: _("nice to have")}[priority]
    return _(
        "Expertise in %(skill)s (level %(level)d of 5) – %(wish)s", level=fact["level"], skill=fact["skill"], wish=wish
    )


def fact_sentence(fact: dict[str, Any]) -> str | None:
    """One fact as a short phrase; unknown kinds are skipped rather than shown raw.

    A list stands after a colon, and its label agrees with the list's length ("Common languages: …").
    """
    kind = fact.get("kind")
    if kind == "shared_values":
        values = [_value(v) for v in fact["values"]]
        return ngettext("Shared value: %(values)s", "Shared values: %(values)s", len(values), values=_join(values))
    if kind == "expertise":
        return _expertise(fact)
    if kind == "skill_gap":
        skills = list(fact["skills"])
        return ngettext(
            "Wish without strong expertise yet: %(skills)s",
            "Wishes without strong expertise yet: %(skills)s",
            len(skills),
            skills=_join(skills),
        )
    if kind == "shared_interests":
        interests = list(fact["interests"])
        return ngettext(
            "Shared interest: %(interests)s",
            "Shared interests: %(interests)s",
            len(interests),
            interests=_join(interests),
        )
    if kind == "common_languages":
        languages = [_language(c) for c in fact["languages"]]
        return ngettext(
            "Common language: %(languages)s",
            "Common languages: %(languages)s",
            len(languages),
            languages=_join(languages),
        )
    if kind == "similar_bio":
        return _(
            "Similar goals in both profiles (%(percent)d %% similar)",
            percent=round(100 * float(fact["similarity"])),
        )
    if kind == "time_overlap":
        hours = int(fact["hours_per_week"])
        if hours == 0:
            return _("No common free hours in the week")
        return ngettext("%(num)d hour a week when both are free", "%(num)d hours a week when both are free", hours)
    if kind == "time_zone":
        diff = float(fact["difference_hours"])
        if diff == 0:
            return _("Same time zone")
        apart = format_decimal(diff, locale=get_locale())
        return ngettext("Time difference: %(hours)s hour", "Time difference: %(hours)s hours", round(diff), hours=apart)
    if kind == "mentee_preferred":
        return _("On the mentee's wish list")
    return None


def fact_tone(fact: dict[str, Any]) -> str:
    """How a fact is shown: "fit" (a tick), "note" (worth knowing) or "gap" (speaks against the pair).

    Only a full weekly overlap earns the tick; a few common hours are a note, none or a distant time zone a gap.
    """
    kind = fact.get("kind")
    if kind == "skill_gap" or kind == "time_zone":
        return "gap"
    if kind == "time_overlap":
        hours = int(fact.get("hours_per_week", 0))
        if hours == 0:
            return "gap"
        return "fit" if hours >= float(fact.get("target_hours", 4)) else "note"
    return "fit"


def explain(facts: list[dict[str, Any]]) -> list[str]:
    return [s for s in (fact_sentence(f) for f in facts) if s]


def unmatched_text(reason: str) -> str:
    texts = {
        "no_compatible_mentor": _(
            "No compatible mentor (language, conflicts of interest or avoid lists rule everyone out)."
        ),
        "capacity_exhausted": _("Every compatible mentor's capacity is used up."),
    }
    return texts.get(reason, reason)
