"""The health score as pure arithmetic: each component from known facts, the bands, the gap cap, the new-pair factor,
the reason codes and their parameters; and, with Hypothesis, the invariants (0..100, bands follow the thresholds,
a worse fact never raises the score, the urgency order)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from mentorloom.health.score import (
    AT_RISK,
    ATTENTION,
    BANDS,
    COMPONENTS,
    HEALTHY,
    PairFacts,
    agreement_component,
    band_of,
    cadence_component,
    engagement_component,
    feedback_component,
    goals_component,
    reviews_component,
    score_pair,
)
from mentorloom.programs.schemas import HealthSettings, HealthWeights

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULTS = HealthSettings()
CADENCES = {"weekly": 7, "biweekly": 14, "monthly": 30}
# What a coordinator may read in a reason: counts, days and the agreed cadence, never anyone's answer.
ALLOWED_PARAMS = {"days", "cadence", "missing", "behind", "open", "achieved"}


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def well(**changes: Any) -> PairFacts:
    """An established monthly pair (200 days in) where everything is well; `changes` spoil one fact at a time."""
    base = PairFacts(
        mentorship_id=1,
        started_at=ago(200),
        cadence="monthly",
        cadence_days=30,
        last_meeting_at=ago(10),
        feedback=(4, 4, 5, 4, 4),
        review_level=4.2,
        review_gap=1.0,
        reviews_unanswered=0,
        goals=((60, 0.5),),
        goals_achieved=1,
        last_engagement_at=ago(3),
        agreement_confirmed=True,
    )
    return dataclasses.replace(base, **changes)


def parts(f: PairFacts, settings: HealthSettings = DEFAULTS) -> dict[str, Any]:
    return {c.key: c for c in score_pair(f, settings, NOW).components}


# --- a pair where all is well --------------------------------------------------------------------------------


def test_a_pair_on_cadence_with_nothing_amiss_is_healthy_with_full_marks() -> None:
    health = score_pair(well(), DEFAULTS, NOW)
    assert (health.score, health.band, health.new_pair) == (100, HEALTHY, False)
    codes = {c.key: c.code for c in health.components}
    assert codes == {
        "cadence": "on_cadence",
        "feedback": "feedback_fine",
        "reviews": "review_fine",
        "goals": "goals_on_track",
        "engagement": "engaged",
        "agreement": "agreement_confirmed",
    }
    assert [c.key for c in health.components] == list(COMPONENTS)
    assert [c.weight for c in health.components] == [35, 15, 15, 15, 10, 10]
    assert health.urgency == pytest.approx(0.1)  # no points lost; only the 10 days since the meeting


# --- cadence ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "score", "band"),
    [
        (30, 100, HEALTHY),  # exactly on the agreed interval
        (40, 88, HEALTHY),  # 10 days late: named as a reason, but alone not yet a worry
        (51, 76, HEALTHY),
        (52, 74, ATTENTION),  # the cadence points alone now cross "needs attention"
        (53, 49, AT_RISK),  # 1.75 monthly intervals: at risk whatever else looks well
        (55, 49, AT_RISK),
        (60, 49, AT_RISK),  # the cap and the full cadence deficit (65 points) meet here
        (90, 49, AT_RISK),
    ],
)
def test_a_monthly_pair_crosses_at_risk_around_53_days_without_a_meeting(days: int, score: int, band: str) -> None:
    health = score_pair(well(last_meeting_at=ago(days)), DEFAULTS, NOW)
    assert (health.score, health.band) == (score, band)
    cadence = health.components[0]
    assert cadence.code == ("on_cadence" if days <= 30 else "meeting_gap")
    assert cadence.params == {"days": days, "cadence": "monthly"}


def test_40_days_on_a_monthly_cadence_needs_attention_together_with_a_quiet_chat_and_a_feedback_drop() -> None:
    alone = score_pair(well(last_meeting_at=ago(40)), DEFAULTS, NOW)
    drifting = score_pair(
        well(last_meeting_at=ago(40), last_engagement_at=ago(40), feedback=(5, 5, 5, 3, 3, 3)), DEFAULTS, NOW
    )
    assert alone.band == HEALTHY and drifting.band == ATTENTION
    assert {c.code for c in drifting.components} >= {"meeting_gap", "quiet_between", "feedback_dropped"}


@pytest.mark.parametrize(("cadence", "first_at_risk"), [("weekly", 21), ("biweekly", 25), ("monthly", 53)])
def test_the_gap_cap_follows_the_agreed_cadence(cadence: str, first_at_risk: int) -> None:
    def band(days: int) -> str:
        f = well(cadence=cadence, cadence_days=CADENCES[cadence], last_meeting_at=ago(days))
        return score_pair(f, DEFAULTS, NOW).band

    assert band(first_at_risk) == AT_RISK
    assert band(first_at_risk - 1) != AT_RISK


def test_a_pair_that_never_met_counts_from_its_start() -> None:
    fresh = cadence_component(well(started_at=ago(20), last_meeting_at=None), NOW)
    assert (fresh.code, fresh.deficit, fresh.params) == ("no_meeting_yet", 0.0, {"days": 20, "cadence": "monthly"})
    never = score_pair(well(started_at=ago(120), last_meeting_at=None), DEFAULTS, NOW)
    assert never.band == AT_RISK and never.components[0].code == "no_meeting_yet"
    assert never.components[0].deficit == 1.0 and never.components[0].points == 35


def test_the_gap_cap_is_configurable() -> None:
    lenient = HealthSettings(at_risk_gap_factor=3.0)
    health = score_pair(well(last_meeting_at=ago(60)), lenient, NOW)
    assert (health.score, health.band) == (65, ATTENTION)  # the whole cadence weight, no cap


# --- feedback -----------------------------------------------------------------------------------------------


def test_a_recent_drop_in_feedback_counts_more_than_a_low_but_steady_level() -> None:
    dropped = feedback_component(well(feedback=(5, 5, 5, 3, 3, 3)))
    steady_mid = feedback_component(well(feedback=(3, 3, 3, 3, 3, 3)))
    steady_low = feedback_component(well(feedback=(2, 2, 2, 2, 2, 2)))
    assert (dropped.code, dropped.deficit) == ("feedback_dropped", 1.0)
    assert (steady_mid.code, steady_mid.deficit) == ("feedback_low", pytest.approx(0.6 * 0.25))
    assert (steady_low.code, steady_low.deficit) == ("feedback_low", pytest.approx(0.6 * 0.75))
    assert dropped.deficit > steady_low.deficit > steady_mid.deficit


def test_a_collapse_of_the_feedback_is_at_risk_a_dip_is_not() -> None:
    collapsed = score_pair(well(feedback=(5, 4, 5, 2, 1, 1)), DEFAULTS, NOW)
    dipped = score_pair(well(feedback=(5, 5, 5, 3, 3, 3)), DEFAULTS, NOW)
    assert collapsed.components[1].code == "feedback_collapsed"
    assert (collapsed.score, collapsed.band) == (DEFAULTS.at_risk_below - 1, AT_RISK)
    assert (dipped.components[1].code, dipped.band) == ("feedback_dropped", HEALTHY)


def test_feedback_without_earlier_answers_is_judged_by_its_level_and_none_costs_nothing() -> None:
    assert feedback_component(well(feedback=(2, 2))).code == "feedback_low"
    assert feedback_component(well(feedback=(4, 5))).code == "feedback_fine"
    empty = feedback_component(well(feedback=()))
    assert (empty.code, empty.deficit) == ("no_feedback", 0.0)


def test_feedback_names_no_mean_and_no_answer() -> None:
    for history in ((5, 5, 5, 1, 1, 1), (2, 2, 2), (4, 4)):
        assert feedback_component(well(feedback=history)).params == {}


# --- reviews ------------------------------------------------------------------------------------------------


def test_a_low_review_and_two_sides_far_apart_are_both_strain_under_one_code() -> None:
    low = reviews_component(well(review_level=2.0, review_gap=0.0))
    apart = reviews_component(well(review_level=4.0, review_gap=3.0))
    assert (low.code, low.deficit) == ("review_strain", 1.0)
    assert (apart.code, apart.deficit) == ("review_strain", pytest.approx(0.8))
    # The same code and the same parameters: a coordinator cannot tell which side answered low.
    assert low.params == apart.params == {"missing": 0}


def test_unanswered_reviews_cost_and_are_counted() -> None:
    none_yet = reviews_component(well(review_level=None, review_gap=None, reviews_unanswered=0))
    both_missing = reviews_component(well(review_level=None, review_gap=None, reviews_unanswered=2))
    one_missing = reviews_component(well(reviews_unanswered=1))
    assert (none_yet.code, none_yet.deficit) == ("no_review_yet", 0.0)
    assert (both_missing.code, both_missing.deficit, both_missing.params) == (
        "review_unanswered",
        pytest.approx(0.8),
        {"missing": 2},
    )
    assert (one_missing.code, one_missing.deficit) == ("review_unanswered", pytest.approx(0.4))


# --- goals --------------------------------------------------------------------------------------------------


def test_goals_behind_the_elapsed_time() -> None:
    behind = goals_component(well(goals=((10, 0.9), (80, 0.9))), NOW)
    assert behind.code == "goals_behind"
    assert behind.params == {"behind": 1, "open": 2, "achieved": 1}
    assert behind.deficit == pytest.approx(((0.9 - 0.1 - 0.2) / 0.8 + 0) / 2)
    on_track = goals_component(well(goals=((40, 0.55),)), NOW)  # 15 points behind is within the slack
    assert (on_track.code, on_track.deficit) == ("goals_on_track", 0.0)


def test_no_open_goals() -> None:
    done = goals_component(well(goals=(), goals_achieved=2), NOW)
    assert (done.code, done.deficit, done.params) == ("goals_done", 0.0, {"achieved": 2})
    never = goals_component(well(goals=(), goals_achieved=0), NOW)
    assert (never.code, never.deficit) == ("no_goals", 0.5)
    just_started = goals_component(well(started_at=ago(10), goals=(), goals_achieved=0), NOW)
    assert (just_started.code, just_started.deficit) == ("no_goals", 0.0)  # a first month to write them


# --- engagement and agreement -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "code", "deficit"),
    [(3, "engaged", 0.0), (21, "engaged", 0.0), (40, "quiet_between", 19 / 39), (60, "quiet_between", 1.0)],
)
def test_quiet_between_meetings(days: int, code: str, deficit: float) -> None:
    part = engagement_component(well(last_engagement_at=ago(days)), NOW)
    assert (part.code, part.deficit, part.params) == (code, pytest.approx(deficit), {"days": days})


def test_no_engagement_yet_counts_from_the_start() -> None:
    part = engagement_component(well(started_at=ago(45), last_engagement_at=None), NOW)
    assert (part.code, part.params) == ("no_engagement_yet", {"days": 45})
    assert part.deficit == pytest.approx(24 / 39)


def test_an_unconfirmed_agreement_gets_three_weeks() -> None:
    early = agreement_component(well(started_at=ago(10), agreement_confirmed=False), NOW)
    late = agreement_component(well(started_at=ago(30), agreement_confirmed=False), NOW)
    assert (early.code, early.deficit) == ("agreement_unconfirmed", 0.3)
    assert (late.code, late.deficit, late.params) == ("agreement_unconfirmed", 1.0, {"days": 30})


# --- new pairs, weights, thresholds -------------------------------------------------------------------------


def test_warning_signs_count_more_in_a_new_pair_and_raise_its_urgency() -> None:
    signs = {"last_meeting_at": ago(45), "last_engagement_at": ago(30)}
    established = score_pair(well(started_at=ago(200), **signs), DEFAULTS, NOW)
    new = score_pair(well(started_at=ago(60), **signs), DEFAULTS, NOW)
    assert not established.new_pair and new.new_pair
    # Same deficits, 1.5 times the points: 100 - 17.5 - 2.3 = 80 against 100 - 26.25 - 3.46 = 70.
    assert (established.score, established.band) == (80, HEALTHY)
    assert (new.score, new.band) == (70, ATTENTION)
    assert [c.deficit for c in new.components] == pytest.approx([c.deficit for c in established.components])
    # "needs attention" ranks 200 above "healthy"; the 45-day gap is half the cadence deficit: one clear sign
    assert new.signs == 1 and new.urgency == pytest.approx(200 + 25 + 30 + 10 + 0.45)
    assert new.urgency > established.urgency


def test_no_component_takes_more_than_its_weight_even_in_a_new_pair() -> None:
    hopeless = score_pair(
        well(
            started_at=ago(80),
            last_meeting_at=None,
            feedback=(5, 5, 5, 1, 1, 1),
            review_level=1.0,
            reviews_unanswered=2,
            goals=((0, 1.0),),
            last_engagement_at=None,
            agreement_confirmed=False,
        ),
        DEFAULTS,
        NOW,
    )
    assert hopeless.new_pair and hopeless.score == 0 and hopeless.band == AT_RISK
    assert [c.points for c in hopeless.components] == [35, 15, 15, 15, 10, 10]


def test_weights_and_band_thresholds_are_the_programs() -> None:
    facts = well(last_meeting_at=ago(45), last_engagement_at=ago(30))  # 80 with the defaults
    cadence_heavy = HealthSettings(weights=HealthWeights(cadence=60))
    assert score_pair(facts, cadence_heavy, NOW).score == 100 - 30 - 2  # 60 × 0.5 and 10 × 9/39 → 68
    strict = HealthSettings(healthy_from=90, at_risk_below=81)
    assert score_pair(facts, strict, NOW).band == AT_RISK
    no_cadence = HealthSettings(weights=HealthWeights(cadence=0))
    assert score_pair(facts, no_cadence, NOW).components[0].points == 0


def test_reasons_carry_counts_and_days_only() -> None:
    spoilt = well(
        started_at=ago(100),
        last_meeting_at=ago(70),
        feedback=(5, 5, 5, 1, 2, 1),
        review_level=1.5,
        review_gap=4.0,
        reviews_unanswered=1,
        goals=((5, 0.8),),
        last_engagement_at=ago(50),
        agreement_confirmed=False,
    )
    for part in score_pair(spoilt, DEFAULTS, NOW).components:
        assert set(part.params) <= ALLOWED_PARAMS, part.key
        assert all(isinstance(v, int | str) for v in part.params.values()), part.key
        stored = part.as_json()
        assert set(stored) == {"key", "weight", "deficit", "points", "code", "params"}


# --- invariants ---------------------------------------------------------------------------------------------

days_st = st.integers(min_value=0, max_value=800)
cadence_st = st.sampled_from(sorted(CADENCES))
weights_st = st.builds(
    HealthWeights,
    cadence=st.integers(0, 100),
    feedback=st.integers(0, 100),
    reviews=st.integers(0, 100),
    goals=st.integers(0, 100),
    engagement=st.integers(0, 100),
    agreement=st.integers(0, 100),
)


@st.composite
def settings_st(draw: st.DrawFn) -> HealthSettings:
    healthy_from = draw(st.integers(2, 100))
    return HealthSettings(
        weights=draw(st.one_of(st.just(HealthWeights()), weights_st)),
        healthy_from=healthy_from,
        at_risk_below=draw(st.integers(0, healthy_from - 1)),
        at_risk_gap_factor=draw(st.floats(1.0, 6.0)),
        at_risk_gap_min_days=draw(st.integers(0, 180)),
        new_pair_months=draw(st.integers(0, 24)),
        new_pair_factor=draw(st.floats(1.0, 3.0)),
    )


@st.composite
def facts_st(draw: st.DrawFn) -> PairFacts:
    cadence = draw(cadence_st)
    started = draw(days_st)
    meeting = draw(st.none() | st.integers(0, started))
    engaged = draw(st.none() | st.integers(0, started))
    level = draw(st.none() | st.floats(1.0, 5.0))
    return PairFacts(
        mentorship_id=1,
        started_at=ago(started),
        cadence=cadence,
        cadence_days=CADENCES[cadence],
        last_meeting_at=None if meeting is None else ago(meeting),
        feedback=tuple(draw(st.lists(st.integers(1, 5), max_size=12))),
        review_level=level,
        review_gap=None if level is None else draw(st.sampled_from([0.0, 1.0, 2.0, 3.0, 4.0])),
        reviews_unanswered=draw(st.integers(0, 2)),
        goals=tuple(draw(st.lists(st.tuples(st.integers(0, 100), st.floats(0.0, 1.0)), max_size=4))),
        goals_achieved=draw(st.integers(0, 3)),
        last_engagement_at=None if engaged is None else ago(engaged),
        agreement_confirmed=draw(st.booleans()),
    )


@hypothesis_settings(max_examples=300, deadline=None)
@given(facts_st(), settings_st())
def test_score_and_band_follow_the_thresholds(f: PairFacts, settings: HealthSettings) -> None:
    health = score_pair(f, settings, NOW)
    assert 0 <= health.score <= 100
    assert health.band in BANDS and health.band == band_of(health.score, settings)
    weights = settings.weights.model_dump()
    for part in health.components:
        assert 0.0 <= part.deficit <= 1.0
        assert 0.0 <= part.points <= weights[part.key]
    expected = max(0, min(100, round(100 - sum(p.points for p in health.components))))
    gap = max(settings.at_risk_gap_factor * f.cadence_days, settings.at_risk_gap_min_days)
    if health.components[0].params["days"] >= gap:
        expected = min(expected, max(0, settings.at_risk_below - 1))
        assert health.band == AT_RISK or settings.at_risk_below == 0
    if health.components[1].code == "feedback_collapsed":
        expected = min(expected, max(0, settings.at_risk_below - 1))
        assert health.band == AT_RISK or settings.at_risk_below == 0
    assert health.score == expected


def worsen(f: PairFacts, how: str, amount: int) -> PairFacts:
    """The same pair with one fact worse by `amount` (days, points or steps)."""
    if how == "meeting_earlier" and f.last_meeting_at is not None:
        return dataclasses.replace(f, last_meeting_at=f.last_meeting_at - timedelta(days=amount))
    if how == "engagement_earlier" and f.last_engagement_at is not None:
        return dataclasses.replace(f, last_engagement_at=f.last_engagement_at - timedelta(days=amount))
    if how == "latest_feedback_lower" and f.feedback:
        return dataclasses.replace(f, feedback=(*f.feedback[:-1], max(1, f.feedback[-1] - amount % 5)))
    if how == "review_lower" and f.review_level is not None:
        return dataclasses.replace(f, review_level=max(1.0, f.review_level - amount / 10))
    if how == "review_further_apart" and f.review_gap is not None:
        return dataclasses.replace(f, review_gap=min(4.0, f.review_gap + 1))
    if how == "review_unanswered":
        return dataclasses.replace(f, reviews_unanswered=min(2, f.reviews_unanswered + 1))
    if how == "goal_less_progress" and f.goals:
        (progress, expected), *rest = f.goals
        return dataclasses.replace(f, goals=((max(0, progress - amount), expected), *rest))
    if how == "agreement_unconfirmed":
        return dataclasses.replace(f, agreement_confirmed=False)
    return f


WORSENINGS = [
    "meeting_earlier",
    "engagement_earlier",
    "latest_feedback_lower",
    "review_lower",
    "review_further_apart",
    "review_unanswered",
    "goal_less_progress",
    "agreement_unconfirmed",
]


@hypothesis_settings(max_examples=400, deadline=None)
@given(facts_st(), settings_st(), st.sampled_from(WORSENINGS), st.integers(1, 120))
def test_a_worse_fact_never_raises_the_score(f: PairFacts, settings: HealthSettings, how: str, amount: int) -> None:
    before = score_pair(f, settings, NOW)
    after = score_pair(worsen(f, how, amount), settings, NOW)
    assert after.score <= before.score
    assert BANDS.index(after.band) >= BANDS.index(before.band)


@hypothesis_settings(max_examples=300, deadline=None)
@given(facts_st(), facts_st())
def test_urgency_puts_the_lower_score_first_and_a_new_pair_before_an_established_one(
    a: PairFacts, b: PairFacts
) -> None:
    ha, hb = score_pair(a, DEFAULTS, NOW), score_pair(b, DEFAULTS, NOW)
    if ha.signs > hb.signs and ha.band == hb.band and ha.new_pair == hb.new_pair and ha.score <= hb.score:
        assert ha.urgency > hb.urgency  # more clear warning signs first
    if ha.signs != hb.signs:
        return
    if ha.new_pair == hb.new_pair and ha.score <= hb.score - 4:
        # 4 points of score outweigh any difference in the gap (at most 3.65 urgency)
        assert ha.urgency > hb.urgency
    if ha.score == hb.score and ha.band != HEALTHY and ha.new_pair and not hb.new_pair:
        assert ha.urgency > hb.urgency
    if ha.score == hb.score and ha.new_pair == hb.new_pair:
        # the same score and newness: the longer gap since a meeting (or the start) first
        gap_a, gap_b = (min(h.components[0].params["days"], 365) for h in (ha, hb))
        if gap_a > gap_b:
            assert ha.urgency > hb.urgency


@hypothesis_settings(max_examples=300, deadline=None)
@given(facts_st(), facts_st())
def test_every_pair_at_risk_ranks_before_every_pair_needing_attention(a: PairFacts, b: PairFacts) -> None:
    ha, hb = score_pair(a, DEFAULTS, NOW), score_pair(b, DEFAULTS, NOW)
    if BANDS.index(ha.band) > BANDS.index(hb.band):
        assert ha.urgency > hb.urgency
