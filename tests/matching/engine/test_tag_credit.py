"""The meaning thresholds hold on labelled tag pairs none of which was used to choose them."""

from __future__ import annotations

import numpy as np

from mentorloom.matching.engine.similarity import tag_credit
from mentorloom.profiles.embeddings import encoder_named
from tests.matching.engine.tag_pairs import SAME, UNRELATED

# Measured with the multilingual encoder (README, "Skills and interests by meaning"): 82 % of the same-meaning
# pairs get at least half credit, 95 % some; no unrelated pair gets any. Floors a little below.
SAME_HALF_CREDIT_FLOOR = 0.75
SAME_ANY_CREDIT_FLOOR = 0.90
UNRELATED_ANY_CREDIT_CEILING = 0.05


def _credits(pairs: list[tuple[str, str]]) -> np.ndarray:
    encoder = encoder_named("use")
    left = encoder.encode([a for a, _ in pairs])
    right = encoder.encode([b for _, b in pairs])
    return np.array([tag_credit(np.vstack([a, b]))[0, 1] for a, b in zip(left, right, strict=True)])


def test_same_meaning_across_languages_gets_credit_and_unrelated_tags_none() -> None:
    assert encoder_named("use").name == "use-multilingual-3"  # the shipped model, not the fallback
    same, unrelated = _credits(SAME), _credits(UNRELATED)
    assert (same >= 0.5).mean() >= SAME_HALF_CREDIT_FLOOR
    assert (same > 0).mean() >= SAME_ANY_CREDIT_FLOOR
    assert (unrelated > 0).mean() <= UNRELATED_ANY_CREDIT_CEILING
