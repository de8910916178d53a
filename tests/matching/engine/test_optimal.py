"""Optimal assignment: exact against scipy, capacities, exclusions, locks, the top-k certificate."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import maximum_bipartite_matching

from mentorloom.matching.engine import (
    CAPACITY_EXHAUSTED,
    NO_COMPATIBLE,
    Candidates,
    InfeasibleLockError,
    Options,
    PairSet,
    Rules,
    exact_optimum,
    match,
    solve_optimal,
    uncertified_mentees,
)
from mentorloom.matching.engine.optimal import still_optimal
from mentorloom.matching.engine.synthetic import synthetic_program

from .conftest import candidate_instances

FAST = settings(max_examples=60, deadline=None)


def _total(cands: Candidates, assignment: np.ndarray) -> float:
    rank = cands.rank_of(assignment)
    assert ((assignment >= 0) == (rank > 0)).all(), "assigned pair is not a candidate"
    hit = rank > 0
    return float(cands.score[cands.indptr[:-1][hit] + rank[hit] - 1].sum())


def _max_cardinality(cands: Candidates, capacity: np.ndarray) -> int:
    """Maximum bipartite matching over mentor slots (independent of the engine and of exact_optimum)."""
    slot_owner = np.repeat(np.arange(capacity.size), capacity)
    allowed = (cands.mentor[:, None] == slot_owner[None, :]) if slot_owner.size else np.zeros((cands.mentor.size, 0))
    r, c = np.nonzero(allowed)
    graph = sp.csr_matrix((np.ones(r.size), (cands.mentee[r], c)), shape=(cands.n_mentees, slot_owner.size))
    return int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())


def _brute_force(cands: Candidates, capacity: np.ndarray) -> tuple[float, float]:
    """(best total with unmatched allowed, best total among maximum-cardinality assignments)."""
    options = [[-1, *cands.mentor[cands.indptr[i] : cands.indptr[i + 1]].tolist()] for i in range(cands.n_mentees)]
    best, best_card = -1.0, (-1, -1.0)
    for combo in itertools.product(*options):
        a = np.array(combo)
        if (np.bincount(a[a >= 0], minlength=capacity.size) > capacity).any():
            continue
        total = _total(cands, a)
        best = max(best, total)
        best_card = max(best_card, (int((a >= 0).sum()), total))
    return best, best_card[1]


@FAST
@given(candidate_instances())
def test_optimal_equals_scipy_exact_optimum(instance: tuple[Candidates, np.ndarray]) -> None:
    cands, capacity = instance
    for mode in ("max_matched", "total_score"):
        sol = solve_optimal(cands, capacity, mode)
        assert (np.bincount(sol.assignment[sol.assignment >= 0], minlength=capacity.size) <= capacity).all()
        best, matched = exact_optimum(cands, capacity, mode)
        assert _total(cands, sol.assignment) == pytest.approx(best, abs=1e-6)
        if mode == "max_matched":
            assert int((sol.assignment >= 0).sum()) == matched == _max_cardinality(cands, capacity)


@settings(max_examples=40, deadline=None)
@given(candidate_instances(max_mentees=5, max_mentors=3))
def test_exact_oracle_agrees_with_brute_force(instance: tuple[Candidates, np.ndarray]) -> None:
    cands, capacity = instance
    best, best_card = _brute_force(cands, capacity)
    assert exact_optimum(cands, capacity, "total_score")[0] == pytest.approx(best)
    assert exact_optimum(cands, capacity, "max_matched")[0] == pytest.approx(best_card)


@FAST
@given(candidate_instances())
def test_rejected_and_locked_pairs_are_respected(instance: tuple[Candidates, np.ndarray]) -> None:
    cands, capacity = instance
    if cands.mentor.size == 0:
        return
    rejected = PairSet(cands.mentee[::2].copy(), cands.mentor[::2].copy())
    sol = solve_optimal(cands, capacity, rejected=rejected)
    pairs = set(zip(rejected.mentee.tolist(), rejected.mentor.tolist(), strict=True))
    assert not any((i, int(j)) in pairs for i, j in enumerate(sol.assignment) if j >= 0)
    lockable = [(int(i), int(j)) for i, j in zip(cands.mentee, cands.mentor, strict=True) if capacity[j] > 0]
    if not lockable:
        return
    lock = PairSet.of([lockable[0]])
    sol = solve_optimal(cands, capacity, locked=lock)
    assert sol.assignment[lockable[0][0]] == lockable[0][1]
    assert (np.bincount(sol.assignment[sol.assignment >= 0], minlength=capacity.size) <= capacity).all()


def test_locks_beyond_capacity_are_an_error() -> None:
    cands = Candidates.from_pairs(2, 1, np.array([0, 1]), np.array([0, 0]), np.array([1.0, 2.0]))
    with pytest.raises(InfeasibleLockError):
        solve_optimal(cands, np.array([1]), locked=PairSet.of([(0, 0), (1, 0)]))


def test_certificate_flags_truncated_mentees_that_may_miss_out() -> None:
    # both list only mentor 0 (capacity 1) but have a second mentor: the optimum uses it, so both need more
    full = Candidates.from_pairs(2, 2, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1]), np.array([9.0, 1, 8, 1]))
    cut = full._keep(np.array([True, False, True, False]), dropped_are_incompatible=False)
    sol = solve_optimal(cut, np.array([1, 1]))
    assert uncertified_mentees(cut, sol.assignment, sol.spare).tolist() == [0, 1]
    sol = solve_optimal(full, np.array([1, 1]))
    assert uncertified_mentees(full, sol.assignment, sol.spare).size == 0


@pytest.mark.parametrize("mode", ["max_matched", "total_score"])
def test_dual_prices_certify_when_every_listed_mentor_is_full(mode: str) -> None:
    # lists (9, 5) and (8, 7) over mentors 0 and 1, both full after solving; mentor 2 (score 1) left out
    full = Candidates.from_pairs(
        2, 3, np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1, 2, 0, 1, 2]), np.array([9.0, 5, 1, 8, 7, 1])
    )
    cut = full._keep(np.array([True, True, False, True, True, False]), dropped_are_incompatible=False)
    capacity = np.array([1, 1, 1])
    sol = solve_optimal(cut, capacity, mode)  # type: ignore[arg-type]
    assert sol.assignment.tolist() == [0, 1]
    assert uncertified_mentees(cut, sol.assignment, sol.spare, mode).size == 0  # type: ignore[arg-type]
    assert exact_optimum(full, capacity, mode)[0] == 16  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", ["max_matched", "total_score"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_engine_with_small_k_reaches_the_exact_optimum(mode: str, seed: int) -> None:
    mentees, mentors, rules, _ = synthetic_program(120, 40, capacity=2, seed=seed, dim=16)
    mentors.capacity[:5] = 0
    result = match(mentees, mentors, mode=mode, rules=rules, options=Options(k=3, exact=True, explain=False))  # type: ignore[arg-type]
    assert result.certified_optimal
    assert result.optimum is not None
    assert result.total_score == pytest.approx(result.optimum, abs=1e-6)
    counts = np.bincount(result.assignment[result.assignment >= 0], minlength=mentors.n)
    assert (counts <= mentors.capacity).all()
    excluded = set(zip(rules.excluded.mentee.tolist(), rules.excluded.mentor.tolist(), strict=True))
    assert not any((i, int(j)) in excluded for i, j in enumerate(result.assignment) if j >= 0)


def test_unmatched_reasons() -> None:
    mentees, mentors, _, _ = synthetic_program(30, 3, capacity=1, seed=4, dim=0)
    mentees.languages[0] = 1 << 40  # speaks a language no mentor speaks
    result = match(mentees, mentors, options=Options(explain=False))
    assert result.unmatched_reason[0] == NO_COMPATIBLE
    assert result.matched == 3
    assert set(result.reason_counts()) == {NO_COMPATIBLE, CAPACITY_EXHAUSTED}
    assert result.assignment[0] == -1


def test_locked_and_rejected_in_the_engine() -> None:
    mentees, mentors, rules, _ = synthetic_program(60, 20, capacity=2, seed=5, dim=8)
    free = match(mentees, mentors, rules=rules, options=Options(explain=False, check_blocking=False))
    chosen = [(i, int(j)) for i, j in enumerate(free.assignment) if j >= 0]
    rejected = PairSet.of(chosen[:10])
    locked = PairSet.of([(chosen[10][0], chosen[11][1])])
    again = match(mentees, mentors, rules=rules, rejected=rejected, locked=locked, options=Options(explain=False))
    assert not any(again.assignment[i] == j for i, j in chosen[:10])
    assert again.assignment[chosen[10][0]] == chosen[11][1] and again.locked[chosen[10][0]]
    counts = np.bincount(again.assignment[again.assignment >= 0], minlength=mentors.n)
    assert (counts <= mentors.capacity).all()


@pytest.mark.parametrize("mode", ["max_matched", "total_score", "stable"])
@pytest.mark.parametrize(("n_mentees", "n_mentors"), [(0, 5), (5, 0), (0, 0)])
def test_empty_sides(mode: str, n_mentees: int, n_mentors: int) -> None:
    mentees, _, _, _ = synthetic_program(n_mentees, 1, seed=1, dim=4)
    _, mentors, _, _ = synthetic_program(1, n_mentors, seed=1, dim=4)
    result = match(mentees, mentors, mode=mode)  # type: ignore[arg-type]
    assert result.matched == 0
    assert result.unmatched == n_mentees
    assert set(result.unmatched_reason.values()) <= {NO_COMPATIBLE}
    assert result.blocking_pairs == 0


def _with_priority(rules: Rules, priority: np.ndarray) -> Rules:
    return dataclasses.replace(rules, priority=priority.astype(np.int64))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 10_000), st.data())
def test_priority_mentees_are_matched_at_least_as_often(seed: int, data: st.DataObject) -> None:
    """Places are scarce (12 for 30 mentees): priority changes who is matched, never how many or the capacities."""
    mentees, mentors, rules, _ = synthetic_program(30, 6, 2, seed=seed, dim=8)
    priority = np.array(data.draw(st.lists(st.integers(0, 29), max_size=10, unique=True)), dtype=np.int64)
    opts = Options(explain=False, check_blocking=False, exact=False)
    plain = match(mentees, mentors, rules=rules, options=opts)
    favoured = match(mentees, mentors, rules=_with_priority(rules, priority), options=opts)
    assert favoured.matched == plain.matched
    assert np.bincount(favoured.assignment[favoured.assignment >= 0], minlength=6).max() <= 2
    assert (favoured.assignment[priority] >= 0).sum() >= (plain.assignment[priority] >= 0).sum()
    assert favoured.total_score <= plain.total_score + 1e-9  # the bonus is not counted in the reported score


def test_priority_mentees_take_scarce_places_from_better_scoring_ones() -> None:
    mentees, mentors, rules, _ = synthetic_program(40, 5, 2, seed=7, dim=8)
    opts = Options(explain=False, check_blocking=False, exact=False)
    plain = match(mentees, mentors, rules=rules, options=opts)
    left_out = np.flatnonzero(plain.assignment < 0)[:4]
    favoured = match(mentees, mentors, rules=_with_priority(rules, left_out), options=opts)
    assert (plain.assignment[left_out] < 0).all() and (favoured.assignment[left_out] >= 0).sum() >= 3
    assert favoured.certified_optimal


@st.composite
def _cut_with_an_assignment(draw: st.DrawFn) -> tuple[Candidates, Candidates, np.ndarray, np.ndarray]:
    """Complete lists, the same lists cut to a prefix per mentee, and any assignment within the cut lists."""
    full, capacity = draw(candidate_instances())
    keep_len = [draw(st.integers(0, int(n))) for n in full.lengths]
    position = np.arange(full.mentor.size) - np.repeat(full.indptr[:-1], full.lengths)
    cut = full._keep(position < np.repeat(keep_len, full.lengths), dropped_are_incompatible=False)
    assignment = np.full(full.n_mentees, -1, dtype=np.int64)
    load = np.zeros(capacity.size, dtype=np.int64)
    for i in draw(st.permutations(range(full.n_mentees))):
        listed = [int(j) for j in cut.mentor[cut.indptr[i] : cut.indptr[i + 1]] if load[j] < capacity[j]]
        choice = draw(st.sampled_from([-1, *listed]))
        if choice >= 0:
            assignment[i], load[choice] = choice, load[choice] + 1
    return full, cut, capacity, assignment


@FAST
@given(case=_cut_with_an_assignment(), mode=st.sampled_from(["max_matched", "total_score"]))
def test_an_assignment_said_to_be_still_optimal_is_the_exact_optimum(
    case: tuple[Candidates, Candidates, np.ndarray, np.ndarray], mode: str
) -> None:
    """The pipeline keeps an earlier assignment after lists grow only when this check passes: it must be sound
    for any assignment, not only for one the flow solved on these lists."""
    full, cut, capacity, assignment = case
    spare = capacity - np.bincount(assignment[assignment >= 0], minlength=capacity.size)
    if still_optimal(cut, assignment, spare, mode):  # type: ignore[arg-type]
        best, matched = exact_optimum(full, capacity, mode)  # type: ignore[arg-type]
        assert _total(cut, assignment) == pytest.approx(best)
        if mode == "max_matched":
            assert int((assignment >= 0).sum()) == matched
    solved = solve_optimal(full, capacity, mode)  # type: ignore[arg-type]
    assert still_optimal(full, solved.assignment, solved.spare, mode)  # type: ignore[arg-type]
