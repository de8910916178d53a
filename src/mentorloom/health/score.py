"""The health score of one pair: pure arithmetic over the facts `health.facts` gathers, no database.

Each component measures a *deficit* between 0 (all well) and 1 (as bad as it gets) and names its reason with a
stable code and the counts behind it. A component takes `weight × deficit` points off 100; in a pair's first
months (`new_pair_months`) deficits count `new_pair_factor` times, because early endings hurt most
(Grossman & Rhodes 2002). Reasons carry counts and days only: never one person's answer, so coordinators may
read them (see `health.reasons` for the words).

A pair without a held meeting for `at_risk_gap_factor` agreed intervals (and at least `at_risk_gap_min_days`) is
at risk whatever else looks well: the meeting rhythm is what peer programs watch (flagged after 45-60 days), and a
monthly pair crosses at 53; the floor keeps a weekly pair that skipped one meeting out of the list. A collapse of
the meeting feedback (recent answers at 2.5 or lower after a fall of 1.2 points or more) is at risk as well: on its
own it could take only the feedback weight off, yet how useful the meetings feel is the clearest early sign of a
relationship going wrong while the calendar still looks fine.

A pair one of whose partners was erased (GDPR) is at risk and first in the list whatever its figures say: the
mentorship stays as it was so program figures do not move, and only the coordination can decide how the other
person goes on. Its "partner" component takes no points; `health.reasons` names it first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import fmean
from typing import Any

from mentorloom.programs.schemas import HealthSettings

HEALTHY, ATTENTION, AT_RISK = "healthy", "attention", "at_risk"
BANDS = (HEALTHY, ATTENTION, AT_RISK)
COMPONENTS = ("cadence", "feedback", "reviews", "goals", "engagement", "agreement")
PARTNER_ERASED = "partner_erased"  # the code of the "partner" component, present only when one was erased
ERASED_URGENCY = 400  # ahead of every other pair at risk (whose urgency stays below 640)

GOOD_LEVEL = 3.5  # on the 1-5 scales: a mean at or above this counts as fine
CLEAR_SIGN = 0.5  # a component at least half-way to its whole deficit is a clear warning sign ...
SIGN_URGENCY = 25  # ... and each one ranks a pair this much higher in its band (5 signs at most: below 200)
COLLAPSE_DROP = 0.8  # a drop deficit from here (1.2 points on the 1-5 scale) ...
COLLAPSE_LEVEL = 2.5  # ... to a recent mean at or below this is a collapse, not a dip
RECENT_FEEDBACK = 3  # the latest answers compared with the ones before them
REVIEW_GRACE = timedelta(days=14)  # a review round counts as unanswered this long after it opened
GOAL_SLACK = 0.2  # progress may trail the elapsed time by this share before a goal counts as behind
AGREEMENT_GRACE_DAYS = 21  # a new pair has this long to confirm its agreement
QUIET_FREE_DAYS = 21  # no messages, links, milestones or kudos this long is normal between meetings
QUIET_FULL_DAYS = 60  # ... and this long is the whole deficit


@dataclass(frozen=True)
class PairFacts:
    """What the score reads of one active pair, as `health.facts` collects it for a whole program."""

    mentorship_id: int
    started_at: datetime
    cadence: str  # weekly | biweekly | monthly: the agreed one, or the program's default before agreeing
    cadence_days: int
    last_meeting_at: datetime | None = None  # the latest held meeting
    feedback: tuple[int, ...] = ()  # usefulness 1-5 of held meetings, oldest first; private answers left out
    review_level: float | None = None  # mean of every shared answer of the latest round anyone shared
    review_gap: float | None = None  # the largest difference between the two sides on one statement (both shared)
    reviews_unanswered: int = 0  # answers missing from the latest round that is due (0, 1 or 2)
    goals: tuple[tuple[int, float], ...] = ()  # (progress %, expected share of the way) per open goal
    goals_achieved: int = 0
    last_engagement_at: datetime | None = None  # latest message, shared link, milestone or kudos
    agreement_confirmed: bool = False
    partner_erased: bool = False  # the account of one of the two was erased


@dataclass
class Component:
    key: str
    weight: int
    deficit: float
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    points: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "weight": self.weight,
            "deficit": round(self.deficit, 3),
            "points": round(self.points, 1),
            "code": self.code,
            "params": self.params,
        }


@dataclass
class Health:
    score: int
    band: str
    urgency: float
    components: list[Component]
    new_pair: bool
    signs: int = 0  # components with a clear warning sign (deficit >= CLEAR_SIGN)


def clip(value: float) -> float:
    return min(1.0, max(0.0, value))


def days_between(earlier: datetime, later: datetime) -> int:
    return max(0, (later - earlier).days)


def cadence_component(f: PairFacts, now: datetime) -> Component:
    """Days since the last held meeting (or since the start) against the agreed interval."""
    since = f.last_meeting_at or f.started_at
    days = days_between(since, now)
    deficit = clip((days - f.cadence_days) / f.cadence_days)
    params = {"days": days, "cadence": f.cadence}
    if f.last_meeting_at is None:
        return Component("cadence", 0, deficit, "no_meeting_yet", params)
    return Component("cadence", 0, deficit, "meeting_gap" if deficit > 0 else "on_cadence", params)


def feedback_component(f: PairFacts) -> Component:
    """A recent drop weighs more than a low but steady level."""
    if not f.feedback:
        return Component("feedback", 0, 0.0, "no_feedback")
    recent = f.feedback[-RECENT_FEEDBACK:]
    earlier = f.feedback[:-RECENT_FEEDBACK]
    level = clip((GOOD_LEVEL - fmean(recent)) / 2)
    drop = clip((fmean(earlier) - fmean(recent)) / 1.5) if earlier else 0.0
    if drop >= COLLAPSE_DROP and fmean(recent) <= COLLAPSE_LEVEL:
        return Component("feedback", 0, drop, "feedback_collapsed")
    if drop > 0 and drop >= 0.6 * level:
        return Component("feedback", 0, drop, "feedback_dropped")
    if level > 0:
        return Component("feedback", 0, 0.6 * level, "feedback_low")
    return Component("feedback", 0, 0.0, "feedback_fine")


def reviews_component(f: PairFacts) -> Component:
    """The latest round's level and how far the two sides differ, and answers left missing."""
    unanswered = 0.4 * f.reviews_unanswered
    if f.review_level is None:
        code = "review_unanswered" if f.reviews_unanswered else "no_review_yet"
        return Component("reviews", 0, clip(unanswered), code, {"missing": f.reviews_unanswered})
    low = clip((GOOD_LEVEL - f.review_level) / 1.5)
    apart = clip(((f.review_gap or 0.0) - 1) / 2)
    deficit = clip(max(low, 0.8 * apart) + unanswered)
    if deficit == 0:
        return Component("reviews", 0, 0.0, "review_fine")
    # One code for "low" and "apart": which of the two would hint at what one side answered.
    code = "review_strain" if max(low, apart) > 0 else "review_unanswered"
    return Component("reviews", 0, deficit, code, {"missing": f.reviews_unanswered})


def goals_component(f: PairFacts, now: datetime) -> Component:
    if not f.goals:
        if f.goals_achieved:
            return Component("goals", 0, 0.0, "goals_done", {"achieved": f.goals_achieved})
        months = days_between(f.started_at, now) / 30
        return Component("goals", 0, 0.5 if months >= 1 else 0.0, "no_goals")
    behind = [clip(expected - progress / 100 - GOAL_SLACK) / (1 - GOAL_SLACK) for progress, expected in f.goals]
    lagging = sum(1 for b in behind if b > 0)
    params = {"behind": lagging, "open": len(f.goals), "achieved": f.goals_achieved}
    return Component("goals", 0, fmean(behind), "goals_behind" if lagging else "goals_on_track", params)


def engagement_component(f: PairFacts, now: datetime) -> Component:
    since = f.last_engagement_at or f.started_at
    days = days_between(since, now)
    deficit = clip((days - QUIET_FREE_DAYS) / (QUIET_FULL_DAYS - QUIET_FREE_DAYS))
    if f.last_engagement_at is None:
        return Component("engagement", 0, deficit, "no_engagement_yet", {"days": days})
    return Component("engagement", 0, deficit, "quiet_between" if deficit > 0 else "engaged", {"days": days})


def agreement_component(f: PairFacts, now: datetime) -> Component:
    if f.agreement_confirmed:
        return Component("agreement", 0, 0.0, "agreement_confirmed")
    days = days_between(f.started_at, now)
    deficit = 1.0 if days > AGREEMENT_GRACE_DAYS else 0.3
    return Component("agreement", 0, deficit, "agreement_unconfirmed", {"days": days})


def components(f: PairFacts, now: datetime) -> list[Component]:
    return [
        cadence_component(f, now),
        feedback_component(f),
        reviews_component(f),
        goals_component(f, now),
        engagement_component(f, now),
        agreement_component(f, now),
    ]


def is_new_pair(f: PairFacts, settings: HealthSettings, now: datetime) -> bool:
    return days_between(f.started_at, now) < settings.new_pair_months * 30


def band_of(score: int, settings: HealthSettings) -> str:
    if score >= settings.healthy_from:
        return HEALTHY
    return ATTENTION if score >= settings.at_risk_below else AT_RISK


def score_pair(f: PairFacts, settings: HealthSettings, now: datetime) -> Health:
    """The pair's score (0-100), band, urgency and explained components."""
    new_pair = is_new_pair(f, settings, now)
    factor = settings.new_pair_factor if new_pair else 1.0
    weights = settings.weights.model_dump()
    parts = components(f, now)
    for part in parts:
        part.weight = weights[part.key]
        part.points = min(float(part.weight), part.weight * part.deficit * factor)
    score = max(0, min(100, round(100 - sum(p.points for p in parts))))
    cadence = parts[0]
    if cadence.params["days"] >= at_risk_gap_days(f.cadence_days, settings):
        # a program may set at_risk_below to 0 (no score band "at risk"): the score still stays in 0..100
        score = min(score, max(0, settings.at_risk_below - 1))
    if parts[1].code == "feedback_collapsed":
        score = min(score, max(0, settings.at_risk_below - 1))
    band = band_of(score, settings)
    signs = sum(1 for part in parts if part.weight and part.deficit >= CLEAR_SIGN)
    urgency = urgency_of(score, band, signs, new_pair, cadence.params["days"])
    if f.partner_erased:
        score, band = min(score, max(0, settings.at_risk_below - 1)), AT_RISK
        urgency = urgency_of(score, band, signs, new_pair, cadence.params["days"]) + ERASED_URGENCY
        parts.append(Component("partner", 0, 1.0, PARTNER_ERASED))
    return Health(score, band, urgency, parts, new_pair, signs)


def at_risk_gap_days(cadence_days: int, settings: HealthSettings) -> float:
    """Days without a held meeting from which a pair is at risk."""
    return max(settings.at_risk_gap_factor * cadence_days, settings.at_risk_gap_min_days)


BAND_RANK = {AT_RISK: 2, ATTENTION: 1, HEALTHY: 0}


def urgency_of(score: int, band: str, signs: int, new_pair: bool, gap_days: int) -> float:
    """Most urgent first: every pair at risk before those needing attention, then the pairs with more clear
    warning signs (independent signs are stronger evidence than one deep one: a pair that skipped one meeting
    but writes, rates its meetings well and answers its reviews is less urgent than one that fell silent
    everywhere), then the lowest score, new pairs (whose early end does most harm), then the longest gap."""
    urgency = 200 * BAND_RANK[band] + SIGN_URGENCY * signs + (100 - score)
    urgency += 10 if new_pair and band != HEALTHY else 0
    return round(urgency + min(gap_days, 365) / 100, 2)
