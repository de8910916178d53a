"""Preference-list chunks generated from the scorer on demand, so stable matching never stores full lists."""

from __future__ import annotations

import numpy as np

from .features import IntArray
from .scoring import Scorer, map_blocks, row_blocks
from .stable import PrefChunk

_NO_KEY = -1


def _block_chunk(scorer: Scorer, rows: IntArray, after: IntArray, size: int) -> tuple[IntArray, ...]:
    """The ``size`` best entries ranked strictly after ``after`` for each row of one block."""
    n, m = scorer.n_mentees, scorer.n_mentors
    q = scorer.score_rows(rows).astype(np.int64)
    key = q * m + (m - 1 - scorer.cols)[None, :]
    key[(q < 0) | (key >= after[:, None])] = _NO_KEY
    remaining = np.count_nonzero(key >= 0, axis=1)
    cols = key.shape[1]
    kk = min(size, cols)
    idx = (
        np.argpartition(key, cols - kk, axis=1)[:, cols - kk :]
        if kk < cols
        else np.broadcast_to(np.arange(cols), key.shape)
    )
    top = np.take_along_axis(key, idx, axis=1)
    order = np.argsort(-top, axis=1)
    top, idx = np.take_along_axis(top, order, axis=1), np.take_along_axis(idx, order, axis=1)
    ok = top >= 0
    qs = np.take_along_axis(q, idx, axis=1)[ok]
    local = np.repeat(np.arange(rows.size), ok.sum(axis=1))
    mkey = qs * n + (n - 1 - rows[local])
    return ok.sum(axis=1).astype(np.int64), scorer.cols[idx[ok]], top[ok], mkey, remaining <= kk


def scorer_chunk(scorer: Scorer, rows: IntArray, after: IntArray, size: int, workers: int = 2) -> PrefChunk:
    """Next ``size`` preference entries of each mentee in ``rows`` (sorted ascending), block by block."""
    blocks = list(row_blocks(np.arange(rows.size), scorer.n_cols))
    parts = map_blocks(lambda b: _block_chunk(scorer, rows[b], after[b], size), blocks, workers)
    if not parts:
        empty = np.zeros(0, np.int64)
        return PrefChunk(empty, empty, empty, empty, np.zeros(0, np.bool_))
    cat = [np.concatenate([p[i] for p in parts]) for i in range(5)]
    return PrefChunk(cat[0], cat[1].astype(np.int64), cat[2], cat[3].astype(np.int64), cat[4].astype(np.bool_))


class ScorerExtender:
    """Extender for :func:`deferred_acceptance`: each fetch for a mentee doubles its chunk size (few rescans)."""

    def __init__(self, scorer: Scorer, first_size: int, workers: int = 2) -> None:
        self.scorer, self.workers = scorer, workers
        self.size = np.full(scorer.n_mentees, first_size, dtype=np.int64)
        self.fetches = 0

    def first(self) -> PrefChunk:
        """Initial chunk for every mentee."""
        rows = np.arange(self.scorer.n_mentees, dtype=np.int64)
        return scorer_chunk(
            self.scorer, rows, np.full(rows.size, np.iinfo(np.int64).max), int(self.size[0]), self.workers
        )

    def __call__(self, mentees: IntArray, after: IntArray) -> PrefChunk:
        self.fetches += 1
        self.size[mentees] *= 2
        return scorer_chunk(self.scorer, mentees, after, int(self.size[mentees].max()), self.workers)
