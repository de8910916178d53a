"""Explanation facts from the engine, in plain words of the current language."""

from __future__ import annotations

from typing import Any

from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
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
    wish = {1: _("the mentee's top wish"), 2: _("a wish of the mentee"), 3: _("nice to have for the mentee")}[priority]
    return _(
        "mentor is expert (%(level)d/5) in %(skill)s, %(wish)s", level=fact["level"], skill=fact["skill"], wish=wish
    )


def fact_sentence(fact: dict[str, Any]) -> str | None:
    """One fact as a short phrase; unknown kinds are skipped rather than shown raw."""
    kind = fact.get("kind")
    if kind == "shared_values":
        return _("both value %(values)s", values=_join([_value(v) for v in fact["values"]]))
    if kind == "expertise":
        return _expertise(fact)
    if kind == "skill_gap":
        return _("no strong match yet for %(skills)s", skills=_join(list(fact["skills"])))
    if kind == "shared_interests":
        return _("shared interests: %(interests)s", interests=_join(list(fact["interests"])))
    if kind == "common_languages":
        return _("common language: %(languages)s", languages=_join([_language(c) for c in fact["languages"]]))
    if kind == "similar_bio":
        return _(
            "their profiles describe similar goals (%(percent)d %% similar)",
            percent=round(100 * float(fact["similarity"])),
        )
    if kind == "time_overlap":
        hours = int(fact["hours_per_week"])
        if hours == 0:
            return _("no common free hours in the week")
        return ngettext(
            "%(num)d hour a week when both are available", "%(num)d hours a week when both are available", hours
        )
    if kind == "time_zone":
        diff = float(fact["difference_hours"])
        if diff == 0:
            return _("same time zone")
        apart = f"{diff:g}"
        return ngettext("%(hours)s hour apart", "%(hours)s hours apart", round(diff), hours=apart)
    if kind == "mentee_preferred":
        return _("the mentee asked for this mentor")
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
