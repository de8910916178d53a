"""Scores: range, hard rules, block-wise equals unblocked, breakdown agrees with block scores."""

from __future__ import annotations

from contextlib import ExitStack
from dataclasses import replace

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from threadpoolctl import threadpool_info

from mentorloom.matching.engine import PairSet, Rules, Scorer, Weights, pair_breakdown, top_candidates
from mentorloom.matching.engine.features import MenteeFeatures, MentorFeatures
from mentorloom.matching.engine.scoring import _BLAS, EXCLUDED, SCORE_SCALE, select_top
from mentorloom.matching.engine.similarity import expand, tag_credit
from mentorloom.matching.engine.synthetic import synthetic_program

weights_st = st.builds(
    Weights,
    expertise=st.floats(0, 1),
    values=st.floats(0, 1),
    interests=st.floats(0, 1),
    text=st.floats(0, 1),
    time=st.floats(0.01, 1),
    preference=st.floats(0, 1),
)


def _random_credit(k: int, rng: np.random.Generator) -> sp.csr_matrix:
    """Credit of tags embedded as clustered random unit vectors: some same-meaning, some related, most apart."""
    centres = rng.normal(size=(max(1, k // 4), 8))
    v = centres[rng.integers(0, centres.shape[0], k)] + rng.normal(scale=0.6, size=(k, 8))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return tag_credit(v.astype(np.float32))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), weights_st, st.booleans())
def test_scores_are_in_range_and_match_the_breakdown(seed: int, weights: Weights, by_meaning: bool) -> None:
    mentees, mentors, rules, _ = synthetic_program(40, 25, seed=seed, dim=8)
    if by_meaning:
        rng = np.random.default_rng(seed)
        skills, interests = mentors.expertise.shape[1], mentors.interests.shape[1]
        mentors = replace(
            mentors, skill_credit=_random_credit(skills, rng), interest_credit=_random_credit(interests, rng)
        )
    scorer = Scorer(mentees, mentors, weights, rules)
    s = scorer.score_rows(np.arange(mentees.n))
    ok = s != EXCLUDED
    assert ((s[ok] >= 0) & (s[ok] <= 100 * SCORE_SCALE)).all()
    i, c = np.nonzero(ok)
    b = pair_breakdown(mentees, mentors, i, scorer.cols[c], weights, rules)
    assert ((b.criteria >= 0) & (b.criteria <= 1 + 1e-9)).all()
    assert ((b.score >= 0) & (b.score <= 100)).all()
    np.testing.assert_allclose(s[ok] / SCORE_SCALE, b.score, atol=0.01)


def test_blockwise_top_k_equals_unblocked() -> None:
    mentees, mentors, rules, _ = synthetic_program(300, 120, seed=3, dim=32)
    scorer = Scorer(mentees, mentors, rules=rules)
    whole = top_candidates(scorer, 10, block_elems=10**9, workers=1)
    blocked = top_candidates(scorer, 10, block_elems=7 * scorer.n_cols, workers=2)
    np.testing.assert_array_equal(whole.indptr, blocked.indptr)
    np.testing.assert_array_equal(whole.n_compatible, blocked.n_compatible)
    np.testing.assert_allclose(whole.score, blocked.score, atol=2e-3)
    same = np.isclose(whole.score, blocked.score, atol=0)
    assert (whole.mentor[same] == blocked.mentor[same]).mean() > 0.99
    dense = scorer.score_rows(np.arange(mentees.n))
    best = -np.sort(-dense, axis=1)[:, :10]
    for i in range(mentees.n):
        row = whole.score[whole.indptr[i] : whole.indptr[i + 1]]
        np.testing.assert_allclose(row, best[i][best[i] >= 0] / SCORE_SCALE, atol=2e-3)


def test_hard_rules_exclude_pairs() -> None:
    mentees, mentors, _, _ = synthetic_program(50, 20, seed=9, dim=0)
    mentors.capacity[3] = 0
    mentees.languages[1] = 1 << 20
    mentees.department[2] = 7
    mentors.department[5] = 7
    rules = Rules(excluded=PairSet.of([(0, 4), (0, 6)]), exclude_same_department=True)
    c = top_candidates(Scorer(mentees, mentors, rules=rules), 20, workers=1)
    pairs = set(zip(c.mentee.tolist(), c.mentor.tolist(), strict=True))
    assert (0, 4) not in pairs and (0, 6) not in pairs and (2, 5) not in pairs
    assert not any(j == 3 for _, j in pairs)
    assert c.n_compatible[1] == 0
    common = mentees.languages[:, None] & mentors.languages[None, :]
    assert all(common[i, j] for i, j in pairs)


def _tiny(values_a: list[int], values_b: list[int]) -> tuple[MenteeFeatures, MentorFeatures]:
    """One mentee and one mentor who only differ in values (no skills, interests, text, availability)."""
    common = {
        "interests": sp.csr_matrix((1, 3)),
        "languages": np.array([1], np.int64),
        "utc_offset": np.array([0.0]),
        "availability": np.zeros((1, 168), np.bool_),
        "embeddings": None,
        "department": np.array([-1], np.int64),
    }
    va, vb = np.zeros((1, 4), np.bool_), np.zeros((1, 4), np.bool_)
    va[0, values_a], vb[0, values_b] = True, True
    mentee = MenteeFeatures(values=va, wanted=np.zeros((1, 2), np.uint8), **common)  # type: ignore[arg-type]
    mentor = MentorFeatures(values=vb, expertise=np.zeros((1, 2), np.uint8), capacity=np.array([1]), **common)  # type: ignore[arg-type]
    return mentee, mentor


def test_missing_criteria_are_left_out_and_preference_raises_the_score() -> None:
    mentee, mentor = _tiny([0, 1], [0, 1])
    w = Weights(values=0.5, time=0.5)
    # values identical (1.0); nobody gave availability, so time weighs nothing instead of the same for everyone
    b = pair_breakdown(mentee, mentor, np.array([0]), np.array([0]), w)
    assert b.criteria[0, 1] == pytest.approx(1.0) and b.weights[0, 4] == 0
    assert b.score[0] == pytest.approx(100.0)
    assert Scorer(mentee, mentor, w).score_rows(np.array([0]))[0, 0] == 100 * SCORE_SCALE
    preferred = Rules(preferred=PairSet.of([(0, 0)]))
    s_plain = Scorer(mentee, mentor, w).score_rows(np.array([0]))[0, 0]
    s_pref = Scorer(mentee, mentor, w, preferred).score_rows(np.array([0]))[0, 0]
    assert s_pref == pytest.approx(s_plain + 0.3 * (100 * SCORE_SCALE - s_plain), abs=1)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 30),
    st.integers(1, 90),
    st.integers(1, 70),
    st.integers(0, 2**32 - 1),
    st.sampled_from([3, 50, 100_000]),
)
def test_select_top_equals_a_full_sort(n: int, m: int, k: int, seed: int, levels: int) -> None:
    """The sampled floor and packed sort key give exactly the (score desc, mentor asc) top-k of a full sort."""
    rng = np.random.default_rng(seed)
    s = rng.integers(0, levels, size=(n, m)).astype(np.float32)  # few levels = many ties
    s[rng.random((n, m)) < 0.3] = EXCLUDED
    cols = rng.permutation(m * 3)[:m].astype(np.int64)  # column order is not mentor order
    r, mentors, vals = select_top(s, cols, k)
    for i in range(n):
        allowed = np.flatnonzero(s[i] >= 0)
        ranked = sorted(allowed, key=lambda c: (-s[i, c], cols[c]))[:k]
        np.testing.assert_array_equal(mentors[r == i], cols[ranked])
        np.testing.assert_array_equal(vals[r == i], s[i, ranked])


def test_top_candidates_reports_progress_per_block() -> None:
    mentees, mentors, rules, _ = synthetic_program(100, 40, seed=5, dim=16)
    scorer = Scorer(mentees, mentors, rules=rules)
    seen: list[float] = []
    top_candidates(scorer, 5, block_elems=10 * scorer.n_cols, workers=2, progress=seen.append)
    assert seen == [pytest.approx((b + 1) / 10) for b in range(10)]


def _blas_threads() -> int:
    return min(int(lib["num_threads"]) for lib in threadpool_info() if lib["user_api"] == "blas")


def test_overlapping_scoring_pools_share_one_blas_limit() -> None:
    """Two runs in one worker process: the first to end must not lift the limit under the second."""
    before = _blas_threads()
    first, second = _BLAS.single_threaded(), _BLAS.single_threaded()
    with ExitStack() as outer:
        outer.enter_context(first)
        with ExitStack() as inner:
            inner.enter_context(second)
            outer.close()  # the first run ends while the second is still scoring
            assert _blas_threads() == 1
        assert _blas_threads() == before


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 12), st.integers(1, 10), st.integers(0, 2**32 - 1))
def test_expand_takes_the_best_credited_source_and_keeps_exact_tags(n: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    m = rng.integers(0, 6, size=(n, k)) * (rng.random((n, k)) < 0.4)
    credit = _random_credit(k, rng)
    out, source = expand(sp.csr_matrix(m), credit)
    dense_credit = credit.toarray()
    expected = (dense_credit[None, :, :] * m[:, None, :]).max(axis=2)  # [r, i] = max_j credit[i, j] * m[r, j]
    np.testing.assert_allclose(out.toarray(), expected, rtol=1e-6)
    assert (out.toarray() >= m - 1e-6).all()  # a tag always stands for itself
    src = source.toarray().astype(np.int64) - 1
    r, i = np.nonzero(out.toarray())
    np.testing.assert_allclose(dense_credit[i, src[r, i]] * m[r, src[r, i]], out.toarray()[r, i], rtol=1e-6)


def test_program_settings_default_to_the_engine_weights() -> None:
    from dataclasses import asdict

    from mentorloom.programs.schemas import MatchingWeights

    engine = {k: v for k, v in asdict(Weights()).items() if k != "availability_target_hours"}
    assert MatchingWeights().model_dump() == engine
