"""Blocking-pair counts: a compatible pair (i, j), not matched together, where mentee i prefers j to its
mentor (or is unmatched) and mentor j has a free place or prefers i to the worst mentee it holds.

Uses the same strict int64 keys as :mod:`.stable`, so "prefers" means exactly what deferred acceptance used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .candidates import Candidates
from .stable import candidate_keys

if TYPE_CHECKING:  # the scorer (scipy.sparse, thread pools) is only needed for the dense count
    from .features import IntArray
    from .scoring import Scorer


def worst_held(assignment: IntArray, held_mkey: IntArray, capacity: IntArray) -> IntArray:
    """Per mentor: the lowest mentor key it holds when full, -1 (accepts anyone compatible) otherwise."""
    cap = np.asarray(capacity, dtype=np.int64)
    matched = assignment >= 0
    worst = np.full(cap.size, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(worst, assignment[matched], held_mkey[matched])
    full = np.bincount(assignment[matched], minlength=cap.size) >= cap
    return np.where(full, worst, -1)


def _count(
    mentee: IntArray,
    mentor: IntArray,
    key: IntArray,
    mkey: IntArray,
    assignment: IntArray,
    held_key: IntArray,
    worst: IntArray,
) -> int:
    """Count blocking entries among the given compatible pairs (keys >= 0)."""
    wants = (key > held_key[mentee]) & (assignment[mentee] != mentor)
    return int(np.count_nonzero(wants & (mkey > worst[mentor])))


def blocking_pairs(cands: Candidates, assignment: IntArray, capacity: IntArray) -> int:
    """Blocking pairs of ``assignment`` w.r.t. the (complete) candidate lists; -1 entries mean unmatched."""
    key, mkey = candidate_keys(cands)
    rows = cands.mentee
    on = assignment[rows] == cands.mentor
    held_key = np.full(cands.n_mentees, -1, dtype=np.int64)
    held_mkey = np.full(cands.n_mentees, -1, dtype=np.int64)
    held_key[rows[on]], held_mkey[rows[on]] = key[on], mkey[on]
    assigned = np.where(held_key >= 0, assignment, -1)
    worst = worst_held(assigned, held_mkey, capacity)
    return _count(rows, cands.mentor, key, mkey, assigned, held_key, worst)


def blocking_pairs_dense(
    scorer: Scorer,
    assignment: IntArray,
    held_q: IntArray,
    capacity: IntArray,
    *,
    workers: int = 2,
) -> int:
    """Blocking pairs over *all* compatible pairs, rescored block by block (mentors rank by the same score).

    ``held_q`` is the q-unit score of each mentee's assigned pair (ignored where unmatched).
    """
    from .scoring import map_blocks, nonzero_2d, row_blocks

    n, m = scorer.n_mentees, scorer.n_mentors
    matched = assignment >= 0
    held_key = np.where(matched, held_q * m + (m - 1 - assignment), -1)
    held_mkey = np.where(matched, held_q * n + (n - 1 - np.arange(n)), -1)
    worst = worst_held(assignment, held_mkey, capacity)[scorer.cols]

    held_f = np.where(matched, held_q, -1).astype(np.float32)

    def block(rows: IntArray) -> int:
        s = scorer.score_rows(rows)
        # cheap float pre-filter (a mentee can only prefer mentors scoring at least its own pair), exact int64 after
        r, c = nonzero_2d(s >= np.maximum(held_f[rows], 0)[:, None])
        i, j = rows[r], scorer.cols[c]
        q = s[r, c].astype(np.int64)
        wants = (q * m + (m - 1 - j) > held_key[i]) & (assignment[i] != j)
        wants &= q * n + (n - 1 - i) > worst[c]
        return int(np.count_nonzero(wants))

    rows = np.flatnonzero(~scorer.skip)
    return sum(map_blocks(block, list(row_blocks(rows, scorer.n_cols)), workers))
