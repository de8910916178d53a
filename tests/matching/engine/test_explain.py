"""Explanation facts are structured data about the chosen pair."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from mentorloom.matching.engine import Labels, PairSet, Rules, explain_pairs, pair_breakdown
from mentorloom.matching.engine.features import MenteeFeatures, MentorFeatures


def test_facts_name_shared_values_expertise_and_languages() -> None:
    av = np.zeros((1, 168), np.bool_)
    av[0, 18:21] = True
    common = {
        "languages": np.array([0b11], np.int64),
        "utc_offset": np.array([1.0]),
        "availability": av,
        "embeddings": np.array([[1.0, 0.0]], np.float32),
        "department": np.array([-1], np.int64),
    }
    mentee = MenteeFeatures(
        values=np.array([[True, True, False]]),
        interests=sp.csr_matrix(np.array([[1, 1, 0, 0]])),
        wanted=np.array([[1, 2, 0]], np.uint8),
        **common,  # type: ignore[arg-type]
    )
    mentor = MentorFeatures(
        values=np.array([[True, True, True]]),
        interests=sp.csr_matrix(np.array([[0, 1, 1, 0]])),
        expertise=np.array([[4, 0, 5]], np.uint8),
        capacity=np.array([2]),
        **common,  # type: ignore[arg-type]
    )
    labels = Labels(
        skills=["negotiation", "python", "sales"],
        values=["autonomy", "family", "growth"],
        interests=["chess", "hiking", "jazz", "tea"],
        languages=["en", "de"],
    )
    rules = Rules(preferred=PairSet.of([(0, 0)]))
    b = pair_breakdown(mentee, mentor, np.array([0]), np.array([0]), rules=rules)
    [explanation] = explain_pairs(b, mentee, mentor, labels)
    facts = explanation["facts"]
    assert {"kind": "shared_values", "values": ["autonomy", "family"]} in facts
    assert {"kind": "expertise", "skill": "negotiation", "level": 4, "mentee_priority": 1} in facts
    assert {"kind": "shared_interests", "interests": ["hiking"], "count": 1} in facts
    assert {"kind": "common_languages", "languages": ["en", "de"]} in facts
    assert {"kind": "time_overlap", "hours_per_week": 3} in facts
    assert {"kind": "similar_bio", "similarity": 1.0} in facts
    assert {"kind": "mentee_preferred"} in facts
    assert not any(f["kind"] == "skill_gap" for f in facts)
    assert explanation["top_criteria"][0] == "values"
    assert 0 <= explanation["score"] <= 100
