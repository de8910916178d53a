"""One call from features to proposals: score, solve (optimal or stable), explain, report.

Choosing k (optimal modes): every mentee starts with its ``k`` (64) best mentors. After each flow solve the
LP-dual certificate of :func:`.optimal.uncertified_mentees` names the truncated mentees whose cut *might*
matter (it never misses one); only their lists grow ×4. If the assignment found so far is still provably
optimal with the longer lists (:func:`.optimal.still_optimal`, one certificate instead of a whole flow) it
stands; otherwise the flow is solved again. This repeats until the certificate holds (``certified_optimal=True``,
the result equals the exact optimum over all compatible pairs) or ``max_rounds`` is spent
(``certified_optimal=False``, still a valid assignment). On the synthetic benchmark programs a handful of
mentees (1 of 20k, 88 of 100k) need longer lists and the first assignment stands; oversubscribed programs (more
mentees than places) need more rounds, because prices of full mentors are then high.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, TypeVar

import numpy as np

from .blocking import blocking_pairs_dense
from .breakdown import pair_breakdown
from .candidates import Candidates
from .exact import DEFAULT_EXACT_LIMIT, exact_cells, exact_optimum
from .explain import explain_pairs
from .features import IntArray, Labels, MenteeFeatures, MentorFeatures, PairSet, Rules, Weights
from .lazyprefs import ScorerExtender
from .optimal import OptimalMode, apply_locks, solve_optimal, still_optimal, uncertified_mentees
from .report import MatchResult, unmatched_reasons
from .scoring import SCORE_SCALE, Progress, Scorer, top_candidates
from .stable import deferred_acceptance

Mode = Literal["max_matched", "total_score", "stable"]
DEFAULT_K = 64
K_GROWTH = 4
_T = TypeVar("_T")
# Points added to a priority mentee's pairs in the flow objective only (reported scores stay true): with the
# number matched already maximal, a priority mentee loses a scarce place only if keeping it cost the others
# more than 50 points in total. Enough to honour "re-match first" without overriding every fit consideration.
PRIORITY_BONUS = 50.0


@dataclass(frozen=True)
class Options:
    """Knobs of a run; the defaults suit programs from a handful to 100k mentees."""

    k: int = DEFAULT_K
    max_rounds: int = 6
    explain: bool = True
    check_blocking: bool = True
    exact: bool | None = None  # None: compute the exact optimum when the dense matrix is small enough
    exact_limit: int = DEFAULT_EXACT_LIMIT
    workers: int = 2
    # called with the fraction (0–1) of the first full scoring pass done: that pass is most of a run's time
    progress: Progress | None = None


def match(
    mentees: MenteeFeatures,
    mentors: MentorFeatures,
    *,
    mode: Mode = "max_matched",
    weights: Weights | None = None,
    rules: Rules | None = None,
    locked: PairSet | None = None,
    rejected: PairSet | None = None,
    labels: Labels | None = None,
    options: Options | None = None,
) -> MatchResult:
    """Match mentees to mentors; locked pairs are kept as given, rejected pairs are never proposed."""
    opts, rules, locked = options or Options(), rules or Rules(), locked or PairSet()
    started = time.perf_counter()
    if rejected is not None and len(rejected):
        rules = replace(rules, excluded=rules.excluded.union(rejected))
    cap = apply_locks(mentors.capacity, locked)
    scorer = Scorer(mentees, mentors, weights, rules, skip_mentees=locked.mentee, capacity=cap)
    if mode == "stable":  # stability is defined by the two sides' rankings alone, so priority has no say
        result = _run_stable(scorer, cap, opts)
    else:
        result = _run_optimal(scorer, cap, mode, opts, rules.priority)
    _add_locked(result, locked, mentees, mentors, scorer)
    if opts.explain:
        t = time.perf_counter()
        result.explanations = _explanations(result, mentees, mentors, scorer, labels)
        result.timings["explain"] = time.perf_counter() - t
    result.timings["end_to_end"] = time.perf_counter() - started
    _quality(result, scorer, cap, opts)
    return result


def _boosted(cands: Candidates, priority: IntArray) -> Candidates:
    """The candidate lists as the solver sees them: priority mentees' pairs raised by ``PRIORITY_BONUS``.

    The raise is the same along a row, so each row's order and the top-k certificate's argument are unchanged;
    ``certified_optimal`` then speaks of this objective, while totals and % of optimum use the true scores.
    """
    if priority.size == 0:
        return cands
    is_priority = np.zeros(cands.n_mentees, dtype=np.bool_)
    is_priority[priority] = True
    return replace(cands, score=cands.score + PRIORITY_BONUS * is_priority[cands.mentee])


def _run_optimal(scorer: Scorer, cap: IntArray, mode: OptimalMode, opts: Options, priority: IntArray) -> MatchResult:
    """Top-k candidates, flow, then lengthen the lists of uncertified mentees (×4) until the certificate holds."""
    t = time.perf_counter()
    cands = top_candidates(scorer, opts.k, workers=opts.workers, progress=opts.progress)
    timings = {"scoring": time.perf_counter() - t, "solver": 0.0}
    objective = _boosted(cands, priority)
    sol = solve_optimal(objective, cap, mode)
    timings["solver"] += sol.seconds
    failing = _timed(timings, "certificate", uncertified_mentees, objective, sol.assignment, sol.spare, mode)
    k = opts.k
    for _round in range(opts.max_rounds):
        if failing.size == 0:
            break
        k *= K_GROWTH
        t = time.perf_counter()
        cands = cands.with_rows(failing, top_candidates(scorer, k, failing, workers=opts.workers))
        timings["scoring"] += time.perf_counter() - t
        objective = _boosted(cands, priority)
        if _timed(timings, "certificate", still_optimal, objective, sol.assignment, sol.spare, mode):
            failing = failing[:0]  # the longer lists changed nothing: no second flow to solve
            break
        sol = solve_optimal(objective, cap, mode)
        timings["solver"] += sol.seconds
        failing = _timed(timings, "certificate", uncertified_mentees, objective, sol.assignment, sol.spare, mode)
    certified = failing.size == 0
    return _optimal_result(mode, cands, sol.assignment, certified, k, timings)


def _timed(timings: dict[str, float], name: str, fn: Callable[..., _T], *args: Any) -> _T:
    t = time.perf_counter()
    try:
        return fn(*args)
    finally:
        timings[name] = timings.get(name, 0.0) + time.perf_counter() - t


def _optimal_result(
    mode: str, cands: Candidates, assignment: IntArray, certified: bool, k: int, timings: dict[str, float]
) -> MatchResult:
    """Scores and ranks of the chosen pairs straight from the candidate lists."""
    rank = cands.rank_of(assignment)
    score = np.full(assignment.size, np.nan)
    hit = rank > 0
    score[hit] = cands.score[cands.indptr[:-1][hit] + rank[hit] - 1]
    return MatchResult(
        mode=mode,
        assignment=assignment,
        pair_score=score,
        locked=np.zeros(assignment.size, np.bool_),
        rank=rank,
        unmatched_reason=unmatched_reasons(assignment, cands.n_compatible),
        total_score=float(np.nansum(score)),
        certified_optimal=certified,
        k=k,
        timings=timings,
    )


def _run_stable(scorer: Scorer, cap: IntArray, opts: Options) -> MatchResult:
    """Deferred acceptance on lazily generated full preference lists."""
    t = time.perf_counter()
    extender = ScorerExtender(scorer, opts.k, workers=opts.workers)
    first = extender.first(opts.progress)
    timings = {"scoring": time.perf_counter() - t}
    t = time.perf_counter()
    sol = deferred_acceptance(scorer.n_mentees, cap, first, extender)
    timings["solver"] = time.perf_counter() - t
    timings["extensions"] = float(extender.fetches)
    matched = sol.assignment >= 0
    q = np.where(matched, sol.mentee_key // max(scorer.n_mentors, 1), 0)
    score = np.where(matched, q / SCORE_SCALE, np.nan)
    n_compat = np.where(first.counts > 0, 1, 0)  # only "any at all" matters for the reason
    return MatchResult(
        mode="stable",
        assignment=sol.assignment,
        pair_score=score,
        locked=np.zeros(scorer.n_mentees, np.bool_),
        rank=sol.rank,
        unmatched_reason=unmatched_reasons(sol.assignment, n_compat),
        total_score=float(np.nansum(score)),
        k=opts.k,
        timings=timings,
    )


def _add_locked(
    result: MatchResult, locked: PairSet, mentees: MenteeFeatures, mentors: MentorFeatures, scorer: Scorer
) -> None:
    """Put the locked pairs into the assignment (scored for display, not counted in the total)."""
    if not len(locked):
        return
    result.assignment[locked.mentee] = locked.mentor
    result.locked[locked.mentee] = True
    result.rank[locked.mentee] = 0
    for i in locked.mentee.tolist():
        result.unmatched_reason.pop(int(i), None)
    b = pair_breakdown(mentees, mentors, locked.mentee, locked.mentor, scorer.weights, scorer.rules)
    result.pair_score[locked.mentee] = np.round(b.score, 3)


def _explanations(
    result: MatchResult, mentees: MenteeFeatures, mentors: MentorFeatures, scorer: Scorer, labels: Labels | None
) -> list[dict[str, object]]:
    """Breakdown and facts for the chosen pairs only."""
    chosen = np.flatnonzero(result.assignment >= 0)
    b = pair_breakdown(mentees, mentors, chosen, result.assignment[chosen], scorer.weights, scorer.rules)
    return list(explain_pairs(b, mentees, mentors, labels))


def _quality(result: MatchResult, scorer: Scorer, cap: IntArray, opts: Options) -> None:
    """Blocking pairs and % of the exact optimum (reporting only, timed apart from end to end)."""
    free = ~result.locked
    assignment = np.where(free, result.assignment, -1)
    if opts.check_blocking:
        t = time.perf_counter()
        held_q = np.rint(np.nan_to_num(result.pair_score) * SCORE_SCALE).astype(np.int64)
        result.blocking_pairs = blocking_pairs_dense(scorer, assignment, held_q, cap, workers=opts.workers)
        result.timings["blocking_check"] = time.perf_counter() - t
    small = exact_cells(scorer.n_mentees, cap) <= opts.exact_limit
    if opts.exact or (opts.exact is None and small):
        t = time.perf_counter()
        full = top_candidates(scorer, max(scorer.n_cols, 1), workers=opts.workers)
        ref: OptimalMode = "max_matched" if result.mode == "max_matched" else "total_score"
        result.optimum = exact_optimum(full, cap, ref)[0]
        result.timings["exact"] = time.perf_counter() - t
