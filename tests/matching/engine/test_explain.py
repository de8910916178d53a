"""Explanation facts are structured data about the chosen pair."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import scipy.sparse as sp

from mentorloom.matching.engine import Labels, PairSet, Rules, Scorer, explain_pairs, pair_breakdown
from mentorloom.matching.engine.features import CRITERIA, MenteeFeatures, MentorFeatures
from mentorloom.matching.engine.scoring import SCORE_SCALE
from mentorloom.matching.engine.similarity import SAME_SKILL, tag_credit


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
    assert {"kind": "time_overlap", "hours_per_week": 3, "target_hours": 4.0} in facts
    assert not any(f["kind"] == "time_zone" for f in facts)  # the same zone is no strength worth a line
    assert {"kind": "similar_bio", "similarity": 1.0} in facts
    assert {"kind": "mentee_preferred"} in facts
    assert not any(f["kind"] == "skill_gap" for f in facts)
    contribution = {c: explanation["criteria"][c] * b.weights[0, k] for k, c in enumerate(CRITERIA)}
    assert explanation["top_criteria"] == sorted(
        (c for c in CRITERIA if contribution[c] > 0), key=lambda c: -contribution[c]
    )
    assert explanation["top_criteria"][:2] == ["text", "values"]  # identical bios (1.0 × .25), 2 of 3 values
    assert 0 <= explanation["score"] <= 100


def _one_each(
    wanted: list[int], expertise: list[int], mentee_interests: list[int], mentor_interests: list[int]
) -> tuple:
    common = {
        "values": np.zeros((1, 1), np.bool_),
        "languages": np.array([1], np.int64),
        "utc_offset": np.array([0.0]),
        "availability": np.zeros((1, 168), np.bool_),
        "embeddings": None,
        "department": np.array([-1], np.int64),
    }
    mentee = MenteeFeatures(
        interests=sp.csr_matrix(np.array([mentee_interests])), wanted=np.array([wanted], np.uint8), **common
    )  # type: ignore[arg-type]
    mentor = MentorFeatures(
        interests=sp.csr_matrix(np.array([mentor_interests])),
        expertise=np.array([expertise], np.uint8),
        capacity=np.array([1]),
        **common,  # type: ignore[arg-type]
    )
    return mentee, mentor


def test_tags_of_the_same_meaning_count_and_are_named_in_the_facts() -> None:
    # columns: skills [Verhandlungsführung, negotiation, Python]; interests [Klettern, climbing, Jazz]
    unit = np.eye(3, dtype=np.float32)
    close = np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], np.float32)  # cosine 0.8 between the first two
    credit = tag_credit(close)
    assert credit[0, 1] == 1.0 and SAME_SKILL <= 0.8
    mentee, mentor = _one_each([1, 0, 0], [0, 5, 0], [1, 0, 0], [0, 1, 0])
    exact = Scorer(mentee, mentor).score_rows(np.array([0]))[0, 0]
    assert exact == 0  # as strings the two share nothing
    meaning = replace(mentor, skill_credit=credit, interest_credit=credit)
    scorer = Scorer(mentee, meaning)
    assert scorer.score_rows(np.array([0]))[0, 0] == 100 * SCORE_SCALE
    b = pair_breakdown(mentee, meaning, np.array([0]), np.array([0]))
    labels = Labels(skills=["Verhandlungsführung", "negotiation", "Python"], interests=["Klettern", "climbing", "Jazz"])
    facts = explain_pairs(b, mentee, meaning, labels)[0]["facts"]
    assert {
        "kind": "expertise",
        "skill": "Verhandlungsführung ≈ negotiation",
        "level": 5,
        "mentee_priority": 1,
    } in facts
    assert {"kind": "shared_interests", "interests": ["Klettern ≈ climbing"], "count": 1} in facts
    # unrelated tags (orthogonal vectors) give nothing
    unrelated = replace(mentor, skill_credit=tag_credit(unit), interest_credit=tag_credit(unit))
    assert Scorer(mentee, unrelated).score_rows(np.array([0]))[0, 0] == 0


def test_related_tags_give_partial_credit_and_an_exact_tag_stays_best() -> None:
    related = np.array([[1, 0], [0.55, np.sqrt(1 - 0.55**2)]], np.float32)  # cosine 0.55: related, not the same
    credit = tag_credit(related)
    assert 0 < credit[0, 1] < 1
    mentee, _ = _one_each([1, 0], [0, 0], [0], [0])
    _, via_related = _one_each([0, 0], [0, 5], [0], [0])
    _, exact = _one_each([0, 0], [5, 0], [0], [0])
    s_related = Scorer(mentee, replace(via_related, skill_credit=credit)).score_rows(np.array([0]))[0, 0]
    s_exact = Scorer(mentee, replace(exact, skill_credit=credit)).score_rows(np.array([0]))[0, 0]
    assert 0 < s_related < s_exact == 100 * SCORE_SCALE
