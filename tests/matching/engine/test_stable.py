"""Stable matching: no blocking pair, equals the textbook algorithm, lazy lists equal full lists."""

from __future__ import annotations

import dataclasses

import numpy as np
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.matching.engine import (
    Candidates,
    Options,
    PairSet,
    Rules,
    Scorer,
    blocking_pairs,
    blocking_pairs_dense,
    match,
    stable_from_candidates,
    top_candidates,
)
from mentorloom.matching.engine.lazyprefs import ScorerExtender
from mentorloom.matching.engine.stable import deferred_acceptance
from mentorloom.matching.engine.synthetic import synthetic_program

from .conftest import brute_force_blocking, candidate_instances, reference_deferred_acceptance

FAST = settings(max_examples=60, deadline=None)


@FAST
@given(candidate_instances())
def test_stable_has_no_blocking_pair_and_equals_textbook(instance: tuple[Candidates, np.ndarray]) -> None:
    cands, capacity = instance
    sol = stable_from_candidates(cands, capacity)
    assert (np.bincount(sol.assignment[sol.assignment >= 0], minlength=capacity.size) <= capacity).all()
    assert brute_force_blocking(cands, sol.assignment, capacity) == 0
    assert blocking_pairs(cands, sol.assignment, capacity) == 0
    np.testing.assert_array_equal(sol.assignment, reference_deferred_acceptance(cands, capacity))


@FAST
@given(candidate_instances(), st.randoms(use_true_random=False))
def test_blocking_pair_counter_agrees_with_brute_force(instance: tuple[Candidates, np.ndarray], rnd: object) -> None:
    cands, capacity = instance
    assignment = np.full(cands.n_mentees, -1, dtype=np.int64)
    left = capacity.copy()
    for i in range(cands.n_mentees):  # a random feasible assignment
        row = cands.mentor[cands.indptr[i] : cands.indptr[i + 1]]
        options = [int(j) for j in row if left[j] > 0]
        if options and rnd.random() < 0.7:  # type: ignore[attr-defined]
            assignment[i] = rnd.choice(options)  # type: ignore[attr-defined]
            left[assignment[i]] -= 1
    assert blocking_pairs(cands, assignment, capacity) == brute_force_blocking(cands, assignment, capacity)


def test_lazy_lists_give_the_same_matching_as_full_lists() -> None:
    mentees, mentors, rules, _ = synthetic_program(150, 30, capacity=2, seed=7, dim=8)
    scorer = Scorer(mentees, mentors, rules=rules)
    extender = ScorerExtender(scorer, first_size=1, workers=1)
    lazy = deferred_acceptance(scorer.n_mentees, mentors.capacity, extender.first(), extender)
    assert extender.fetches > 0
    full = top_candidates(scorer, scorer.n_cols, workers=1)
    np.testing.assert_array_equal(lazy.assignment, stable_from_candidates(full, mentors.capacity).assignment)
    assert blocking_pairs(full, lazy.assignment, mentors.capacity) == 0
    held_q = np.rint(np.where(lazy.assignment >= 0, lazy.mentee_key // mentors.n, 0)).astype(np.int64)
    assert blocking_pairs_dense(scorer, lazy.assignment, held_q, mentors.capacity, workers=1) == 0
    ranks = full.rank_of(lazy.assignment)
    np.testing.assert_array_equal(ranks, lazy.rank)


def test_engine_stable_mode_reports_zero_blocking_pairs() -> None:
    mentees, mentors, rules, labels = synthetic_program(200, 50, capacity=3, seed=8, dim=8)
    result = match(mentees, mentors, mode="stable", rules=rules, labels=labels, options=Options(k=4))
    assert result.blocking_pairs == 0
    assert result.optimum is not None and result.total_score <= result.optimum + 1e-6
    counts = np.bincount(result.assignment[result.assignment >= 0], minlength=mentors.n)
    assert (counts <= mentors.capacity).all()
    assert result.explanations is not None and len(result.explanations) == result.matched


def test_dense_blocking_check_finds_blocking_pairs_of_an_optimal_matching() -> None:
    mentees, mentors, rules, _ = synthetic_program(200, 50, capacity=3, seed=8, dim=8)
    result = match(mentees, mentors, rules=rules, options=Options(explain=False))
    scorer = Scorer(mentees, mentors, rules=rules)
    full = top_candidates(scorer, scorer.n_cols, workers=1)
    assert result.blocking_pairs == blocking_pairs(full, result.assignment, mentors.capacity)


def test_stable_mode_keeps_locked_pairs_and_skips_rejected() -> None:
    mentees, mentors, rules, _ = synthetic_program(120, 30, capacity=2, seed=9, dim=8)
    first = match(mentees, mentors, mode="stable", rules=rules, options=Options(explain=False))
    chosen = [(i, int(j)) for i, j in enumerate(first.assignment) if j >= 0]
    rejected = PairSet.of(chosen[:5])
    locked = PairSet.of([(chosen[5][0], chosen[6][1])])
    again = match(mentees, mentors, mode="stable", rules=rules, rejected=rejected, locked=locked)
    assert again.assignment[chosen[5][0]] == chosen[6][1]
    assert not any(again.assignment[i] == j for i, j in chosen[:5])
    counts = np.bincount(again.assignment[again.assignment >= 0], minlength=mentors.n)
    assert (counts <= mentors.capacity).all()
    assert again.blocking_pairs == 0


def test_lazy_lists_break_score_ties_by_mentor_index() -> None:
    mentees, mentors, rules, _ = synthetic_program(60, 12, capacity=2, seed=10, dim=0)
    for side in (mentees, mentors):  # wipe everything but languages: every allowed pair scores the same
        side.values[:] = False
        side.availability[:] = False
        side.utc_offset[:] = 0.0
    mentees.wanted[:] = 0
    mentees = dataclasses.replace(mentees, interests=sp.csr_matrix(mentees.interests.shape))
    scorer = Scorer(mentees, mentors, rules=Rules(excluded=rules.excluded))  # no prefer bonus either
    allowed = scorer.score_rows(np.arange(mentees.n))
    assert np.unique(allowed[allowed >= 0]).size == 1
    extender = ScorerExtender(scorer, first_size=1, workers=1)
    lazy = deferred_acceptance(scorer.n_mentees, mentors.capacity, extender.first(), extender)
    full = top_candidates(scorer, scorer.n_cols, workers=1)
    np.testing.assert_array_equal(lazy.assignment, stable_from_candidates(full, mentors.capacity).assignment)
    np.testing.assert_array_equal(full.rank_of(lazy.assignment), lazy.rank)
    assert blocking_pairs(full, lazy.assignment, mentors.capacity) == 0
