"""Preference-list chunks generated from the scorer on demand, so stable matching never stores full lists."""

from __future__ import annotations

import numpy as np

from .features import IntArray
from .scoring import EXCLUDED, Q_MAX, Progress, Scorer, map_blocks, nonzero_2d, row_blocks, select_top
from .stable import PrefChunk


def _block_chunk(scorer: Scorer, rows: IntArray, after: IntArray, size: int) -> tuple[IntArray, ...]:
    """The ``size`` best entries ranked strictly after key ``after`` for each row of one block.

    key = q·m + (m − 1 − mentor): higher score first, then lower mentor index. Cells ranked at or before
    ``after`` are blanked in float space (q above, or equal q and mentor index at most ``after``'s).
    """
    n, m = scorer.n_mentees, scorer.n_mentors
    s = scorer.score_rows(rows)
    started = after < np.iinfo(np.int64).max
    if started.any():
        q_after = np.where(started, after // m, Q_MAX + 1).astype(np.float32)
        s[s > q_after[:, None]] = EXCLUDED
        r, c = nonzero_2d(s == q_after[:, None])
        j_after = m - 1 - after % m
        tie_done = scorer.cols[c] <= j_after[r]
        s[r[tie_done], c[tie_done]] = EXCLUDED
    remaining = np.count_nonzero(s >= 0, axis=1)
    r, mentors, vals = select_top(s, scorer.cols, size)
    q = vals.astype(np.int64)
    key = q * m + (m - 1 - mentors)
    mkey = q * n + (n - 1 - rows[r])
    return np.bincount(r, minlength=rows.size).astype(np.int64), mentors, key, mkey, remaining <= size


def scorer_chunk(
    scorer: Scorer, rows: IntArray, after: IntArray, size: int, workers: int = 2, progress: Progress | None = None
) -> PrefChunk:
    """Next ``size`` preference entries of each mentee in ``rows`` (sorted ascending), block by block."""
    blocks = list(row_blocks(np.arange(rows.size), scorer.n_cols))
    parts = map_blocks(lambda b: _block_chunk(scorer, rows[b], after[b], size), blocks, workers, progress)
    if not parts:
        empty = np.zeros(0, np.int64)
        return PrefChunk(empty, empty, empty, empty, np.zeros(0, np.bool_))
    cat = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    return PrefChunk(cat[0], cat[1].astype(np.int64), cat[2], cat[3].astype(np.int64), cat[4].astype(np.bool_))


class ScorerExtender:
    """Extender for :func:`deferred_acceptance`: each fetch for a mentee doubles its chunk size (few rescans)."""

    def __init__(self, scorer: Scorer, first_size: int, workers: int = 2) -> None:
        self.scorer, self.workers, self.first_size = scorer, workers, first_size
        self.size = np.full(scorer.n_mentees, first_size, dtype=np.int64)
        self.fetches = 0

    def first(self, progress: Progress | None = None) -> PrefChunk:
        """Initial chunk for every mentee (the one full scan, so the one worth reporting progress for)."""
        rows = np.arange(self.scorer.n_mentees, dtype=np.int64)
        return scorer_chunk(
            self.scorer, rows, np.full(rows.size, np.iinfo(np.int64).max), self.first_size, self.workers, progress
        )

    def __call__(self, mentees: IntArray, after: IntArray) -> PrefChunk:
        self.fetches += 1
        self.size[mentees] *= 2
        return scorer_chunk(self.scorer, mentees, after, int(self.size[mentees].max()), self.workers)
