"""Words for the health components: for the coordination (counts and days, what to look at) and for the pair
itself (guidance about what they agreed, never a grade of the partner).

Both read only what `health.score` stored for a component: its code and its counts. Feedback and review reasons
carry no numbers at all, so no reason can give away one person's answer; "review_strain" does not say whether the
answers were low or far apart, which would hint at what one side answered.

"partner_erased" takes no points yet always comes first: the pair cannot go on as it is, whatever else it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mentorloom.health.score import PARTNER_ERASED
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext

MIN_POINTS = 1.0  # a component taking less than a point off is no reason worth naming


@dataclass(frozen=True)
class Reason:
    key: str  # the component: cadence, feedback, reviews, goals, engagement, agreement
    code: str
    points: float
    text: str


def _gap_sentence(days: int, cadence: str, *, own: bool) -> str:
    if own:
        texts = {
            "weekly": ngettext(
                "You planned weekly meetings; the last was %(num)d day ago.",
                "You planned weekly meetings; the last was %(num)d days ago.",
                days,
            ),
            "biweekly": ngettext(
                "You planned to meet every two weeks; the last meeting was %(num)d day ago.",
                "You planned to meet every two weeks; the last meeting was %(num)d days ago.",
                days,
            ),
            "monthly": ngettext(
                "You planned monthly meetings; the last was %(num)d day ago.",
                "You planned monthly meetings; the last was %(num)d days ago.",
                days,
            ),
        }
    else:
        texts = {
            "weekly": ngettext(
                "No meeting for %(num)d day, agreed weekly.", "No meeting for %(num)d days, agreed weekly.", days
            ),
            "biweekly": ngettext(
                "No meeting for %(num)d day, agreed every two weeks.",
                "No meeting for %(num)d days, agreed every two weeks.",
                days,
            ),
            "monthly": ngettext(
                "No meeting for %(num)d day, agreed monthly.", "No meeting for %(num)d days, agreed monthly.", days
            ),
        }
    return texts.get(cadence, texts["monthly"])


def _never_met(days: int, *, own: bool) -> str:
    if own:
        return ngettext(
            "You started %(num)d day ago and have not held a meeting yet: plan your first one.",
            "You started %(num)d days ago and have not held a meeting yet: plan your first one.",
            days,
        )
    return ngettext(
        "No meeting held since the start %(num)d day ago.", "No meeting held since the start %(num)d days ago.", days
    )


def coordinator_text(code: str, params: dict[str, Any]) -> str | None:
    """The reason as the coordination reads it; None for a component that is fine."""
    days = int(params.get("days", 0))
    texts: dict[str, Any] = {
        PARTNER_ERASED: lambda: _("A partner's account was erased."),
        "meeting_gap": lambda: _gap_sentence(days, str(params.get("cadence")), own=False),
        "no_meeting_yet": lambda: _never_met(days, own=False),
        "feedback_collapsed": lambda: _("Meeting feedback fell sharply in the latest meetings."),
        "feedback_dropped": lambda: _("Meeting feedback has dropped recently."),
        "feedback_low": lambda: _("Meeting feedback is lower than usual."),
        "review_strain": lambda: _("The latest shared review shows strain."),
        "review_unanswered": lambda: ngettext(
            "%(num)d answer to the latest review is missing.",
            "%(num)d answers to the latest review are missing.",
            int(params.get("missing", 0)),
        ),
        "no_review_yet": lambda: ngettext(
            "%(num)d answer to the latest review is missing.",
            "%(num)d answers to the latest review are missing.",
            int(params.get("missing", 0)),
        ),
        "goals_behind": lambda: ngettext(
            "%(num)d of %(open)d open goals is behind schedule.",
            "%(num)d of %(open)d open goals are behind schedule.",
            int(params.get("behind", 0)),
            open=int(params.get("open", 0)),
        ),
        "goals_on_track": lambda: _("Goals are slightly behind schedule."),
        "no_goals": lambda: _("No goals agreed yet."),
        "quiet_between": lambda: ngettext(
            "No message, shared link, milestone or kudos for %(num)d day.",
            "No message, shared link, milestone or kudos for %(num)d days.",
            days,
        ),
        "no_engagement_yet": lambda: ngettext(
            "No message, shared link, milestone or kudos since the start %(num)d day ago.",
            "No message, shared link, milestone or kudos since the start %(num)d days ago.",
            days,
        ),
        "agreement_unconfirmed": lambda: ngettext(
            "The agreement is not confirmed by both, %(num)d day after the start.",
            "The agreement is not confirmed by both, %(num)d days after the start.",
            days,
        ),
    }
    make = texts.get(code)
    return make() if make else None


def pair_text(code: str, params: dict[str, Any]) -> str | None:
    """The same component as guidance for the two partners; None for a component that is fine."""
    days = int(params.get("days", 0))
    texts: dict[str, Any] = {
        "meeting_gap": lambda: _gap_sentence(days, str(params.get("cadence")), own=True),
        "no_meeting_yet": lambda: _never_met(days, own=True),
        "feedback_collapsed": lambda: _(
            "Your recent meetings were rated less useful than before. Talk about what you both need from them."
        ),
        "feedback_dropped": lambda: _(
            "Your recent meetings were rated less useful than before. Talk about what you both need from them."
        ),
        "feedback_low": lambda: _("Your meetings could be more useful: agree on a topic before the next one."),
        "review_strain": lambda: _("Your latest review shows room to improve: talk about it at your next meeting."),
        "review_unanswered": lambda: _("The latest review is waiting for your answers."),
        "no_review_yet": lambda: _("The latest review is waiting for your answers."),
        "goals_behind": lambda: ngettext(
            "%(num)d goal is behind its plan: update its progress or adapt it.",
            "%(num)d goals are behind their plan: update their progress or adapt them.",
            int(params.get("behind", 0)),
        ),
        "goals_on_track": lambda: _("Your goals are a little behind their plan: note your progress."),
        "no_goals": lambda: _("Agree on your goals: they give your meetings direction."),
        "quiet_between": lambda: ngettext(
            "Nothing exchanged between meetings for %(num)d day: a short message keeps you in touch.",
            "Nothing exchanged between meetings for %(num)d days: a short message keeps you in touch.",
            days,
        ),
        "no_engagement_yet": lambda: _("Say hello between meetings: a short message or a useful link."),
        "agreement_unconfirmed": lambda: _("Confirm your agreement: it records what you expect from each other."),
    }
    make = texts.get(code)
    return make() if make else None


def reasons(components: list[dict[str, Any]], *, own: bool = False) -> list[Reason]:
    """The components that cost points, most points first, in the reader's words (an erased partner first)."""
    out = []
    for c in components:
        points, code = float(c.get("points", 0.0)), str(c.get("code"))
        if points < MIN_POINTS and code != PARTNER_ERASED:
            continue
        text = (pair_text if own else coordinator_text)(code, dict(c.get("params") or {}))
        if text:
            out.append(Reason(str(c.get("key")), code, points, text))
    return sorted(out, key=lambda r: (r.code != PARTNER_ERASED, -r.points))


def partner_erased(components: list[dict[str, Any]]) -> bool:
    return any(c.get("code") == PARTNER_ERASED for c in components)


def erased_reason() -> Reason:
    """The reason for a pair that has no score (paused): read from the accounts when the page is shown."""
    return Reason("partner", PARTNER_ERASED, 0.0, _("A partner's account was erased."))
