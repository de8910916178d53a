"""The weight suggestion's invariants for any weights and any effects (hypothesis): every weight moves by at most
0.10, the criteria keep their sum, all stay within 0 and 1, a switched-off criterion stays off, `preference` is
untouched, criteria move only the way their evidence points, and without evidence nothing moves."""

from __future__ import annotations

import math

from hypothesis import example, given
from hypothesis import strategies as st

from mentorloom.health.evidence import MAX_SHIFT, Effect, suggest_weights
from mentorloom.matching.engine import CRITERIA
from mentorloom.programs.schemas import MatchingWeights

TOLERANCE = 1e-5  # the suggestion rounds to six decimals

weight = st.one_of(st.just(0.0), st.just(1.0), st.floats(0, 1), st.integers(0, 100).map(lambda n: n / 100))


@st.composite
def weight_sets(draw: st.DrawFn) -> dict[str, float]:
    weights = {c: draw(weight) for c in CRITERIA}
    if sum(weights.values()) <= 0:
        weights["values"] = draw(st.floats(0.01, 1))
    return {**weights, "preference": draw(weight)}


@st.composite
def effect_for(draw: st.DrawFn, criterion: str) -> Effect:
    log_hr = draw(st.floats(-3, 3).filter(lambda x: abs(x) > 1e-6))
    half_width = draw(st.floats(0.01, 4))
    hr = math.exp(log_hr)
    return Effect(criterion, hr, math.exp(log_hr - half_width), math.exp(log_hr + half_width), 0.5)


@st.composite
def effect_sets(draw: st.DrawFn) -> list[Effect]:
    chosen = draw(st.lists(st.sampled_from(CRITERIA), unique=True))
    return [draw(effect_for(c)) for c in chosen]


def criteria_sum(weights: dict[str, float]) -> float:
    return sum(weights[c] for c in CRITERIA)


@given(weight_sets(), effect_sets())
@example(
    {"values": 0.3, "text": 0.25, "expertise": 0.2, "interests": 0.15, "time": 0.1, "preference": 0.3},
    [Effect("values", 0.74, 0.67, 0.82, 0.0)],
)
@example(  # a protective criterion switched off: it stays off, nothing moves
    {"values": 0.0, "text": 0.25, "expertise": 0.2, "interests": 0.15, "time": 0.1, "preference": 0.3},
    [Effect("values", 0.5, 0.4, 0.6, 0.0)],
)
def test_the_suggestion_is_bounded_and_keeps_the_sum(weights: dict[str, float], effects: list[Effect]) -> None:
    after = suggest_weights(weights, effects)
    assert after.keys() == weights.keys()
    assert after["preference"] == weights["preference"]
    assert abs(criteria_sum(after) - criteria_sum(weights)) < TOLERANCE
    for c in CRITERIA:
        assert 0 <= after[c] <= 1
        assert abs(after[c] - weights[c]) <= MAX_SHIFT + TOLERANCE
        if weights[c] == 0:
            assert after[c] == 0
    evidence = {e.criterion: e for e in effects if e.evidence}
    for c, e in evidence.items():
        if e.direction == "fewer":
            assert after[c] >= weights[c] - TOLERANCE
        else:
            assert after[c] <= weights[c] + TOLERANCE
    if not evidence:
        assert after == weights
    MatchingWeights.model_validate(after)  # the program settings accept it as it is


def test_the_strongest_protective_link_moves_by_the_full_step() -> None:
    weights = {"values": 0.3, "text": 0.25, "expertise": 0.2, "interests": 0.15, "time": 0.1, "preference": 0.3}
    after = suggest_weights(weights, [Effect("values", 0.74, 0.67, 0.82, 0.0), Effect("time", 1.3, 1.1, 1.5, 0.0)])
    assert after["values"] == 0.4 and after["time"] < 0.1
    assert sum(after[c] for c in CRITERIA) == 1.0 or abs(sum(after[c] for c in CRITERIA) - 1.0) < 1e-9
    unclear = Effect("values", 0.9, 0.7, 1.1, 0.3)
    assert suggest_weights(weights, [unclear]) == weights
