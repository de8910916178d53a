"""Optimal assignment on candidate lists with OR-Tools min-cost flow (arcs added in bulk from numpy arrays).

Network: source → mentee (cap 1) → mentor (cap 1, cost −score·scale) → sink (cap = remaining capacity).
``max_matched`` runs max-flow-then-min-cost: as many mentees as possible, then the best total score.
``total_score`` adds a zero-cost source → sink bypass so mentees may stay unmatched: the best total score
whatever the number matched (with non-negative scores this only differs from max_matched on ties/zeros
and on negative scores from pairs files).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import min_cost_flow

from .candidates import Candidates

if TYPE_CHECKING:  # features imports scipy.sparse, which the pairs-file path never needs
    from .features import IntArray, PairSet

OptimalMode = Literal["max_matched", "total_score"]
_MAX_COST = 10**9


class InfeasibleLockError(ValueError):
    """Locked pairs ask more of a mentor than their capacity; ``excess`` maps each such mentor (index) to how
    many of its locked pairs are too many, so a caller can say which and drop them."""

    def __init__(self, excess: dict[int, int]) -> None:
        super().__init__(f"locked pairs exceed the capacity of mentor(s) {sorted(excess)}")
        self.excess = excess


@dataclass(frozen=True, eq=False)
class OptimalSolution:
    """Assignment (mentee → mentor or -1), capacity left per mentor and solver time."""

    assignment: IntArray
    spare: IntArray
    seconds: float


def cost_scale(scores: NDArray[np.float64]) -> float:
    """Power of ten that turns scores into integer costs: exact for 1/1000-point scores, bounded for others."""
    top = float(np.max(np.abs(scores))) if scores.size else 1.0
    scale = 1e6
    while scale > 1 and top * scale > _MAX_COST:
        scale /= 10
    return scale if top * scale <= _MAX_COST else _MAX_COST / top


def apply_locks(capacity: IntArray, locked: PairSet | None) -> IntArray:
    """Capacity left after the locked pairs; locks beyond a mentor's capacity are an error."""
    cap = np.asarray(capacity, dtype=np.int64).copy()
    if locked is not None and len(locked):
        cap -= np.bincount(locked.mentor, minlength=cap.size)
        if (cap < 0).any():
            over = np.flatnonzero(cap < 0)
            raise InfeasibleLockError(dict(zip(over.tolist(), (-cap[over]).tolist(), strict=True)))
    return np.maximum(cap, 0)


def solve_optimal(
    cands: Candidates,
    capacity: IntArray,
    mode: OptimalMode = "max_matched",
    *,
    locked: PairSet | None = None,
    rejected: PairSet | None = None,
    scale: float | None = None,
) -> OptimalSolution:
    """Best assignment on the candidate arcs; locked mentees keep their mentor, rejected pairs are never used."""
    cap = apply_locks(capacity, locked)
    if rejected is not None and len(rejected):
        cands = cands.without(rejected.mentee, rejected.mentor)
    if locked is not None and len(locked):
        cands = cands.without_mentees(locked.mentee)
    started = time.perf_counter()
    assignment = _solve_flow(cands, cap, mode, cost_scale(cands.score) if scale is None else scale)
    seconds = time.perf_counter() - started
    used = np.bincount(assignment[assignment >= 0], minlength=cands.n_mentors)
    if locked is not None and len(locked):
        assignment[locked.mentee] = locked.mentor
    return OptimalSolution(assignment, cap - used, seconds)


def _solve_flow(cands: Candidates, cap: IntArray, mode: OptimalMode, scale: float) -> IntArray:
    """Build the network with bulk arc arrays, solve, read the mentee → mentor flows back."""
    n, m = cands.n_mentees, cands.n_mentors
    assignment = np.full(n, -1, dtype=np.int64)
    if cands.mentor.size == 0:
        return assignment
    source, sink = n + m, n + m + 1
    mentee = cands.mentee
    mentees_used = np.flatnonzero(cands.lengths > 0)
    mentors_used = np.flatnonzero(cap > 0)
    tails = [np.full(mentees_used.size, source), mentee, n + mentors_used]
    heads = [mentees_used, n + cands.mentor, np.full(mentors_used.size, sink)]
    caps = [np.ones(mentees_used.size), np.ones(mentee.size), cap[mentors_used]]
    costs = [np.zeros(mentees_used.size), -np.rint(cands.score * scale), np.zeros(mentors_used.size)]
    supply = int(mentees_used.size)
    if mode == "total_score":
        tails.append(np.array([source]))
        heads.append(np.array([sink]))
        caps.append(np.array([supply]))
        costs.append(np.zeros(1))
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        *(np.concatenate(x).astype(np.int64) for x in (tails, heads, caps, costs))
    )
    flow.set_node_supply(source, supply)
    flow.set_node_supply(sink, -supply)
    status = flow.solve() if mode == "total_score" else flow.solve_max_flow_with_min_cost()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min cost flow failed with status {status}")
    first = mentees_used.size
    flows = flow.flows(np.arange(first, first + mentee.size, dtype=np.int64))
    chosen = flows > 0
    assignment[mentee[chosen]] = cands.mentor[chosen]
    return assignment


def uncertified_mentees(
    cands: Candidates,
    assignment: IntArray,
    spare: IntArray,
    mode: OptimalMode = "max_matched",
    *,
    max_iterations: int = 500,
) -> IntArray:
    """Truncated mentees for whom the top-k cut may have cost optimality (they need longer lists).

    Why this is a proof when it returns nothing: take the LP dual of the b-matching (u_i per mentee, v_j per
    mentor, u_i + v_j >= s_ij + B, B = a bonus per matched pair that turns max_matched into one objective,
    B = 0 for total_score). :func:`mentor_prices` finds the smallest mentor prices v that are dual-feasible on
    the listed arcs and complementary-slack with the solution; u_i = s_i,m(i) + B - v_m(i) (0 if unmatched).
    Every left-out pair of a truncated mentee scores at most θ_i (its list's last score) and has v_j >= 0,
    so if u_i >= θ_i + B for every truncated mentee the duals are feasible for the *full* problem and the
    restricted optimum is the global optimum.
    """
    if cands.mentor.size == 0:
        return np.flatnonzero(cands.truncated)
    duals = _duals(cands, assignment, spare, mode, max_iterations)
    if duals is None:
        return np.flatnonzero(cands.truncated)
    return np.flatnonzero(duals.may_miss_out)


def still_optimal(
    cands: Candidates,
    assignment: IntArray,
    spare: IntArray,
    mode: OptimalMode = "max_matched",
    max_iterations: int = 500,
) -> bool:
    """Whether an assignment solved on shorter lists is provably the global optimum with these longer ones.

    Checking costs one certificate, solving a whole flow; after lists grow the old assignment usually stands.
    The price relaxation only enforces what holds for a solved flow, so for an assignment that was not solved
    on these lists every dual constraint is checked explicitly before the certificate is trusted.
    """
    matched = assignment >= 0
    if (matched & (cands.rank_of(assignment) == 0)).any():
        return False  # a pair the longer lists do not hold
    duals = _duals(cands, assignment, spare, mode, max_iterations)
    if duals is None:
        return False
    u, v = duals.u, duals.v
    feasible = (u >= 0).all() and (u[cands.mentee] + v[cands.mentor] >= duals.q + duals.bonus).all()
    # complementary slackness: a mentor with a free seat is priced 0, and _duals prices each own pair exactly
    return bool(feasible and (v[spare > 0] == 0).all() and not duals.may_miss_out.any())


@dataclass(frozen=True, eq=False)
class _Duals:
    u: IntArray  # per mentee
    v: IntArray  # per mentor
    q: IntArray  # the listed pairs' integer scores
    bonus: int
    may_miss_out: NDArray[np.bool_]  # truncated mentees the certificate cannot clear


def _duals(
    cands: Candidates, assignment: IntArray, spare: IntArray, mode: OptimalMode, max_iterations: int
) -> _Duals | None:
    """LP duals of the assignment on the listed pairs (None if the prices did not converge)."""
    q, bonus = _integer_scores(cands, mode)
    v = mentor_prices(cands, assignment, spare, q, bonus, max_iterations)
    if v is None:
        return None
    rank = cands.rank_of(assignment)
    matched = rank > 0
    own = np.zeros(cands.n_mentees, dtype=np.int64)
    own[matched] = q[cands.indptr[:-1][matched] + rank[matched] - 1]
    u = np.where(matched, own + bonus - v[np.maximum(assignment, 0)], 0)
    theta = np.zeros(cands.n_mentees, dtype=np.int64)
    nonempty = cands.lengths > 0
    theta[nonempty] = q[cands.indptr[1:][nonempty] - 1]
    # an empty list that was cut says nothing about the scores left out
    may_miss_out = cands.truncated & (~nonempty | (u < theta + bonus))
    return _Duals(u, v, q, bonus, may_miss_out)


def _integer_scores(cands: Candidates, mode: OptimalMode) -> tuple[IntArray, int]:
    """Scores as the solver's integers, and the per-pair bonus of max_matched."""
    q = np.rint(cands.score * cost_scale(cands.score)).astype(np.int64)
    bonus = int(np.abs(q).sum()) + 1 if mode == "max_matched" else 0
    return q, bonus


def mentor_prices(
    cands: Candidates, assignment: IntArray, spare: IntArray, q: IntArray, bonus: int, max_iterations: int
) -> IntArray | None:
    """Smallest dual mentor prices, by longest-path relaxation (Bellman-Ford in numpy); None if not converged.

    Constraints: v_j = 0 for mentors with spare capacity; v_j >= s_ij + B for each unmatched mentee i listing j;
    v_j >= v_m + s_ij - s_im for each mentee i matched to m listing j (else i would rather move to j).
    """
    rows = cands.mentee
    matched_row = assignment[rows] >= 0
    full = spare <= 0
    v = np.zeros(cands.n_mentors, dtype=np.int64)
    idle = ~matched_row & full[cands.mentor]
    np.maximum.at(v, cands.mentor[idle], q[idle] + bonus)
    own_q = np.zeros(cands.n_mentees, dtype=np.int64)
    on = matched_row & (assignment[rows] == cands.mentor)
    own_q[rows[on]] = q[on]
    edge = matched_row & ~on & full[cands.mentor]
    tail, head, w = assignment[rows[edge]], cands.mentor[edge], q[edge] - own_q[rows[edge]]
    order = np.argsort(head, kind="stable")
    tail, head, w = tail[order], head[order], w[order]
    starts = np.flatnonzero(np.r_[True, head[1:] != head[:-1]]) if head.size else np.zeros(0, np.int64)
    heads = head[starts]
    for _ in range(max_iterations):
        if head.size == 0:
            return v
        best = np.maximum.reduceat(v[tail] + w, starts)
        grow = best > v[heads]
        if not grow.any():
            return v
        v[heads[grow]] = best[grow]
    return None
