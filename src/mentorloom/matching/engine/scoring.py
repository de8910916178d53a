"""Pair scores in [0, 100], computed block-wise so the full mentee × mentor matrix is never held.

Every criterion is in [0, 1]. Criteria a mentee gave no data for (no wanted skills, no values, no interests,
no bio) are left out of *that mentee's* weighting instead of counting as 0, so an incomplete profile is not
pushed to the bottom. Most criteria are dot products of per-side vectors, so a block of scores is a few matrix
products (BLAS) plus two clamps; hard rules then overwrite cells with ``EXCLUDED``.

Scores are quantised to 1/1000 point and carried as integer-valued float32 ("q units", 0…100000): the flow
solver needs integer costs anyway, and equal inputs give exactly equal scores, so ties and blocking-pair
checks are decided consistently everywhere.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from .candidates import Candidates
from .features import (
    CRITERIA,
    MAX_LEVEL,
    MAX_PRIORITY,
    F32Array,
    IntArray,
    MenteeFeatures,
    MentorFeatures,
    ProfileFeatures,
    Rules,
    Weights,
)
from .similarity import expand_rows

SCORE_SCALE = 1000
Q_MAX = 100 * SCORE_SCALE
EXCLUDED = -1.0
DEFAULT_BLOCK_ELEMS = 1 << 22
_DENSE_INTEREST_LIMIT = 1 << 25
_SAMPLE_STRIDE = 4
_MIN_BLOCKS = 8
T = TypeVar("T")


def _row_normalised(m: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length (Ochiai/cosine of multi-hot vectors); empty rows stay zero."""
    norm = np.sqrt((m * m).sum(axis=1, keepdims=True))
    out: NDArray[np.float32] = np.divide(m, norm, out=np.zeros_like(m), where=norm > 0)
    return out


def present_criteria(side: ProfileFeatures, skills: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """(n, 5) which criteria a participant gave data for (``skills``: wanted skills or expertise)."""
    present = np.zeros((side.n, len(CRITERIA)), dtype=np.bool_)
    present[:, 0] = (skills > 0).any(axis=1)
    present[:, 1] = side.values.any(axis=1)
    present[:, 2] = side.interests.getnnz(axis=1) > 0
    if side.embeddings is not None:
        present[:, 3] = np.abs(side.embeddings).sum(axis=1) > 0
    present[:, 4] = side.availability.any(axis=1)
    return present


def mentor_criteria(mentors: MentorFeatures) -> NDArray[np.bool_]:
    """(n, 5) which criteria a pair with this mentor can be compared on, as far as the mentor is concerned.

    Expertise always counts: it answers the mentee's wish, and a mentor who lists none covers none of it (or a
    mentor who fills in nothing would beat every expert). Values, interests, text and time without the
    mentor's data are unknown, not a mismatch, and drop out of the pair.
    """
    present = present_criteria(mentors, mentors.expertise)
    present[:, 0] = True
    return present


def mentee_criterion_weights(mentees: MenteeFeatures, weights: Weights, has_mentor_text: bool) -> NDArray[np.float64]:
    """(n, 5) normalised weights per mentee: criteria without mentee data get 0, the rest sum to 1.

    A pair then drops whatever criteria the *mentor* gave no data for as well and renormalises what is left
    (see :meth:`Scorer.score_rows`), so a criterion nobody can be compared on never adds the same points to
    every candidate. A mentee without any usable criterion gets an all-zero row: every pair scores 0.
    """
    present = present_criteria(mentees, mentees.wanted)
    if not has_mentor_text:
        present[:, 3] = False
    w = present * weights.vector()[None, :]
    total = w.sum(axis=1, keepdims=True)
    out: NDArray[np.float64] = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return out


def pair_weights(crit_w: NDArray[np.floating], mentor_present: NDArray[np.bool_]) -> NDArray[np.float64]:
    """Per pair: the mentee's criterion weights restricted to what the mentor has data for, summing to 1."""
    w = np.asarray(crit_w, dtype=np.float64) * mentor_present
    total = w.sum(axis=1, keepdims=True)
    out: NDArray[np.float64] = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return out


def mentor_tags(mentors: MentorFeatures, rows: IntArray) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Mentor rows' expertise (levels, 0–5) and interests (0–1) spread over the tags they mean."""
    expertise, _ = expand_rows(mentors.expertise, rows, mentors.skill_credit)
    interests, _ = expand_rows((mentors.interests != 0).astype(np.float32), rows, mentors.interest_credit)
    return expertise, interests


def _priority_weights(wanted: NDArray[np.uint8]) -> NDArray[np.float32]:
    """Priority 1 (most important) weighs 3, priority 3 weighs 1; rows sum to 1."""
    w = np.where(wanted > 0, MAX_PRIORITY + 1 - wanted.astype(np.float32), 0).astype(np.float32)
    total = w.sum(axis=1, keepdims=True)
    out: NDArray[np.float32] = np.divide(w, total, out=np.zeros_like(w), where=total > 0)
    return out


def _used_columns(
    mentees: MenteeFeatures, mentors: MentorFeatures, cols: IntArray, expertise: sp.csr_matrix, interests: sp.csr_matrix
) -> dict[str, NDArray[np.bool_]]:
    """Feature columns that are nonzero on both sides; the others add 0 to every product, so drop them."""
    return {
        "skills": (mentees.wanted > 0).any(axis=0) & (expertise.getnnz(axis=0) > 0),
        "values": mentees.values.any(axis=0) & mentors.values[cols].any(axis=0),
        "interests": (mentees.interests.getnnz(axis=0) > 0) & (interests.getnnz(axis=0) > 0),
        "hours": mentees.availability.any(axis=0) & mentors.availability[cols].any(axis=0),
    }


@dataclass(frozen=True, eq=False)
class _Side:
    """Per-side matrices, already weighted on the mentee side (so a block is just products and sums)."""

    lin: F32Array
    avail: F32Array
    interests: sp.csr_matrix | F32Array | None
    text: F32Array | None


class Scorer:
    """Scores mentee rows against all active mentors (capacity > 0), mentors reordered by language mask.

    ``cols[c]`` is the mentor index of column ``c``; blocks are (rows × columns) in q units. Rows of
    ``skip_mentees`` (locked mentees) come out fully excluded.
    """

    def __init__(
        self,
        mentees: MenteeFeatures,
        mentors: MentorFeatures,
        weights: Weights | None = None,
        rules: Rules | None = None,
        *,
        skip_mentees: IntArray | None = None,
        capacity: IntArray | None = None,
    ) -> None:
        self.mentees, self.mentors = mentees, mentors
        self.weights = weights or Weights()
        self.rules = rules or Rules()
        self.n_mentees, self.n_mentors = mentees.n, mentors.n
        # capacity may be the mentors' own or what is left after locked pairs; 0 means no column at all
        active = np.flatnonzero((mentors.capacity if capacity is None else capacity) > 0)
        # mentors sorted by language mask: a language rule then blanks whole column ranges, not scattered cells
        self.cols: IntArray = active[np.argsort(mentors.languages[active], kind="stable")].astype(np.int64)
        self.col_of = np.full(self.n_mentors, -1, dtype=np.int64)
        self.col_of[self.cols] = np.arange(self.cols.size)
        self.has_text = mentors.embeddings is not None and mentees.embeddings is not None
        self.crit_w = mentee_criterion_weights(mentees, self.weights, self.has_text)
        self._crit_w32 = self.crit_w.astype(np.float32)
        # (5, columns): which criteria each mentor has data for; a pair renormalises over both sides' criteria
        self._mentor_present = np.ascontiguousarray(mentor_criteria(mentors)[self.cols].T, dtype=np.float32)
        expertise, interests = mentor_tags(mentors, self.cols)
        self._used = _used_columns(mentees, mentors, self.cols, expertise, interests)
        self._mentee = self._prepare_mentees()
        self._mentor = self._prepare_mentors(expertise, interests)
        self._prepare_rules(skip_mentees)

    @property
    def n_cols(self) -> int:
        """Number of active mentors (columns of a block)."""
        return int(self.cols.size)

    def _prepare_mentees(self) -> _Side:
        """Mentee vectors carry the per-mentee weights times Q_MAX, so products land directly in q units."""
        me, wq = self.mentees, self.crit_w * Q_MAX
        vals = _row_normalised(me.values.astype(np.float32))
        used = self._used
        lin = np.hstack(
            [
                (_priority_weights(me.wanted) * wq[:, [0]])[:, used["skills"]],
                (vals * wq[:, [1]])[:, used["values"]],
            ]
        ).astype(np.float32)
        # each common hour adds 1/target of the time weight; the block caps the sum at the full weight
        hours = me.availability.astype(np.float32) * (wq[:, [4]] / self.weights.availability_target_hours)
        avail = np.ascontiguousarray(hours[:, used["hours"]], dtype=np.float32)
        inter = sp.csr_matrix(me.interests, dtype=np.float32, copy=True)
        inter.data[:] = 1.0
        counts = np.maximum(inter.getnnz(axis=1), 1)
        inter = sp.csr_matrix(sp.diags((wq[:, 2] / np.sqrt(counts)).astype(np.float32)) @ inter)
        inter = sp.csr_matrix(inter[:, used["interests"]])
        text = None
        if self.has_text and me.embeddings is not None:
            text = (me.embeddings.astype(np.float32) * wq[:, [3]].astype(np.float32)).astype(np.float32)
        return _Side(lin, avail, inter if inter.shape[1] else None, text)

    def _prepare_mentors(self, expertise: sp.csr_matrix, interests: sp.csr_matrix) -> _Side:
        """Mentor vectors in column order, unweighted; tags already spread over the tags they mean."""
        mo, c = self.mentors, self.cols
        used = self._used
        lin = np.hstack(
            [
                expertise[:, used["skills"]].toarray().astype(np.float32) / MAX_LEVEL,
                _row_normalised(mo.values[c].astype(np.float32))[:, used["values"]],
            ]
        ).astype(np.float32)
        avail = mo.availability[c].astype(np.float32)[:, used["hours"]]
        # normalised by the mentor's own number of interests: meaning matches must not inflate the count
        counts = np.maximum(sp.csr_matrix(mo.interests[c]).getnnz(axis=1), 1)
        inter_csr = sp.csr_matrix(sp.diags((1 / np.sqrt(counts)).astype(np.float32)) @ interests)
        inter_csr = sp.csr_matrix(inter_csr[:, used["interests"]])
        inter: sp.csr_matrix | F32Array | None = None
        if inter_csr.shape[1] and inter_csr.shape[0]:
            dense_ok = inter_csr.shape[0] * inter_csr.shape[1] <= _DENSE_INTEREST_LIMIT
            inter = inter_csr.T.toarray().astype(np.float32) if dense_ok else sp.csr_matrix(inter_csr.T)
        text = None
        if self.has_text and mo.embeddings is not None:
            text = np.ascontiguousarray(mo.embeddings[c].astype(np.float32).T)
        return _Side(np.ascontiguousarray(lin.T), np.ascontiguousarray(avail.T), inter, text)

    def _prepare_rules(self, skip_mentees: IntArray | None) -> None:
        """Index the pair lists by mentee, and the language groups of the mentor columns."""
        self.skip = np.zeros(self.n_mentees, dtype=np.bool_)
        if skip_mentees is not None:
            self.skip[skip_mentees] = True
        self._excluded = _PairIndex(self.rules.excluded.mentee, self.col_of[self.rules.excluded.mentor], self.n_mentees)
        self._preferred = _PairIndex(
            self.rules.preferred.mentee, self.col_of[self.rules.preferred.mentor], self.n_mentees
        )
        masks = self.mentors.languages[self.cols]
        starts = np.flatnonzero(np.r_[True, masks[1:] != masks[:-1]]) if masks.size else np.zeros(0, np.int64)
        self._group_bounds = np.r_[starts, masks.size].astype(np.int64)
        self._group_masks = masks[starts] if masks.size else np.zeros(0, np.int64)
        dept = self.mentors.department[self.cols]
        self._dept_cols = {int(d): np.flatnonzero(dept == d) for d in np.unique(dept[dept >= 0])}

    def score_rows(self, rows: IntArray) -> F32Array:
        """Scores of the given mentees against all columns, q units, ``EXCLUDED`` where a hard rule forbids."""
        me, mo = self._mentee, self._mentor
        s = me.lin[rows] @ mo.lin
        _add_capped(s, me.avail[rows] @ mo.avail, Q_MAX * self.crit_w[rows, 4])
        if me.interests is not None and mo.interests is not None:
            prod = me.interests[rows] @ mo.interests
            _add_capped(s, prod.toarray() if sp.issparse(prod) else np.asarray(prod), Q_MAX * self.crit_w[rows, 2])  # type: ignore[union-attr]
        if me.text is not None and mo.text is not None:
            t = me.text[rows] @ mo.text
            np.maximum(t, 0, out=t)
            s += t
        self._renormalise(s, rows)
        self._apply_preference(s, rows)
        np.rint(s, out=s)
        np.minimum(s, Q_MAX, out=s)  # float32 sums may overshoot 100 by a hair; q units must stay in range
        self._apply_exclusions(s, rows)
        return s

    def _renormalise(self, s: F32Array, rows: IntArray) -> None:
        """Divide by the share of the mentee's weight the mentor can be compared on (criteria with data)."""
        share = self._crit_w32[rows] @ self._mentor_present
        np.divide(s, share, out=s, where=share > 0)
        s[share <= 0] = 0

    def _apply_preference(self, s: F32Array, rows: IntArray) -> None:
        """A preferred pair closes ``weights.preference`` of its gap to 100."""
        r, c = self._preferred.take(rows)
        if r.size:
            s[r, c] += np.float32(self.weights.preference) * (Q_MAX - s[r, c])

    def _apply_exclusions(self, s: F32Array, rows: IntArray) -> None:
        """Hard rules: common language, excluded pairs, same department (if the program says so), locked rows."""
        mentee_masks = self.mentees.languages[rows]
        for g, gmask in enumerate(self._group_masks):
            bad = np.flatnonzero((mentee_masks & gmask) == 0)
            if bad.size:
                s[bad, self._group_bounds[g] : self._group_bounds[g + 1]] = EXCLUDED
        r, c = self._excluded.take(rows)
        s[r, c] = EXCLUDED
        if self.rules.exclude_same_department:
            dept = self.mentees.department[rows]
            for d in np.unique(dept[dept >= 0]).tolist():
                cols = self._dept_cols.get(d)
                if cols is not None:
                    s[np.ix_(np.flatnonzero(dept == d), cols)] = EXCLUDED
        s[self.skip[rows]] = EXCLUDED


def _add_capped(s: F32Array, part: F32Array, cap: NDArray[np.floating]) -> None:
    """``s += min(part, cap per row)``: a criterion never adds more than its full weight."""
    np.minimum(part, cap.astype(np.float32)[:, None], out=part)
    s += part


class _PairIndex:
    """Pairs (mentee, column) grouped by mentee for fast lookup of a block's rows; unknown columns dropped."""

    def __init__(self, mentee: IntArray, col: IntArray, n_mentees: int) -> None:
        ok = col >= 0
        mentee, col = mentee[ok], col[ok]
        order = np.argsort(mentee, kind="stable")
        self.col = col[order]
        self.ptr = np.r_[0, np.cumsum(np.bincount(mentee, minlength=n_mentees))].astype(np.int64)

    def take(self, rows: IntArray) -> tuple[IntArray, IntArray]:
        """(local row, column) of every pair whose mentee is in ``rows``."""
        counts = self.ptr[rows + 1] - self.ptr[rows]
        total = int(counts.sum())
        if total == 0:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        local = np.repeat(np.arange(rows.size, dtype=np.int64), counts)
        offsets = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        return local, self.col[np.repeat(self.ptr[rows], counts) + offsets]


def row_blocks(rows: IntArray, n_cols: int, block_elems: int = DEFAULT_BLOCK_ELEMS) -> Iterator[IntArray]:
    """Split mentee rows into blocks of at most ``block_elems`` scores, and into at least ``_MIN_BLOCKS``.

    Big blocks keep the matrix products efficient, but a mid-sized program cut into only 2–3 of them leaves
    one worker idle at the end: at 5k×2k eight blocks score 14 % faster than three.
    """
    step = max(1, min(block_elems // max(1, n_cols), -(-rows.size // _MIN_BLOCKS)))
    for start in range(0, rows.size, step):
        yield rows[start : start + step]


Progress = Callable[[float], None]


def map_blocks(
    fn: Callable[[IntArray], T], blocks: list[IntArray], workers: int, progress: Progress | None = None
) -> list[T]:
    """Run ``fn`` per block on ``workers`` threads (numpy and BLAS release the GIL), results in block order.

    ``progress`` is called on the calling thread with the fraction of blocks done.
    """
    if workers <= 1 or len(blocks) <= 1:
        return _reported((fn(b) for b in blocks), len(blocks), progress)
    with _BLAS.single_threaded(), ThreadPoolExecutor(max_workers=workers) as pool:
        return _reported(pool.map(fn, blocks), len(blocks), progress)


class _BlasThreads:
    """One BLAS thread per scoring worker while any pool runs; the previous setting back when the last ends.

    Letting each worker's matrix products spread over all cores as well oversubscribes them (measured ~30 %
    slower at 20k×8k on 2 cores). The limit is per process, not per thread, so overlapping runs (a job worker
    with several threads) share one limiter by reference count instead of restoring each other's setting.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0
        self._limiter: threadpool_limits | None = None

    @contextmanager
    def single_threaded(self) -> Iterator[None]:
        with self._lock:
            if self._users == 0:
                self._limiter = threadpool_limits(limits=1, user_api="blas")
            self._users += 1
        try:
            yield
        finally:
            with self._lock:
                self._users -= 1
                if self._users == 0 and self._limiter is not None:
                    self._limiter.restore_original_limits()
                    self._limiter = None


_BLAS = _BlasThreads()


def _reported(results: Iterable[T], total: int, progress: Progress | None) -> list[T]:
    """Collect ``results``, telling ``progress`` the fraction done after each one."""
    out: list[T] = []
    for result in results:
        out.append(result)
        if progress is not None:
            progress(len(out) / total)
    return out


def nonzero_2d(mask: NDArray[np.bool_]) -> tuple[IntArray, IntArray]:
    """(row, column) of the True cells; ~10× faster than 2-D ``np.nonzero`` on big, sparse masks."""
    flat = np.flatnonzero(mask)
    return flat // mask.shape[1], flat % mask.shape[1]


def _kth_best_floor(s: F32Array, kk: int) -> F32Array:
    """A lower bound (>= 0) on each row's ``kk``-th best value, from every 4th column.

    The ``kk``-th best of a subset can only be lower than that of the whole row, so every cell of the true top
    ``kk`` is at or above it; partitioning a quarter of the columns is ~4× cheaper than the exact threshold and
    leaves about ``4·kk`` cells per row to sort.
    """
    sample = np.ascontiguousarray(s[:, ::_SAMPLE_STRIDE])
    m = sample.shape[1]
    if m <= kk:
        return np.zeros(s.shape[0], np.float32)
    return np.maximum(np.partition(sample, m - kk, axis=1)[:, m - kk], 0)


def select_top(s: F32Array, cols: IntArray, k: int) -> tuple[IntArray, IntArray, F32Array]:
    """Each row's ``k`` best allowed cells (value >= 0), ordered by (row, value desc, mentor index asc).

    Cells at or above a cheap per-row floor are sorted by one int64 key (row, Q_MAX − q, mentor): values are
    integer q units, so the key is exact and a plain ``np.sort`` replaces a three-key lexsort. Returns
    (row, mentor, value).
    """
    n, m = s.shape
    kk = min(k, m)
    r, c = nonzero_2d(s >= _kth_best_floor(s, kk)[:, None])
    span = int(cols.max()) + 1 if cols.size else 1
    if n * (Q_MAX + 1) * span >= 1 << 62:  # key would overflow: fall back to a lexsort
        vals, mentors = s[r, c], cols[c]
        order = np.lexsort((mentors, -vals, r))
        r, mentors, q = r[order], mentors[order], vals[order].astype(np.int64)
    else:
        key = (r * (Q_MAX + 1) + (Q_MAX - s[r, c].astype(np.int64))) * span + cols[c]
        key.sort()
        r, rest = np.divmod(key, (Q_MAX + 1) * span)
        q, mentors = np.divmod(rest, span)
        q = Q_MAX - q
    keep = np.arange(r.size) - np.searchsorted(r, np.arange(n))[r] < kk
    return r[keep], mentors[keep], q[keep].astype(np.float32)


def _block_top_k(scorer: Scorer, rows: IntArray, k: int) -> tuple[IntArray, IntArray, IntArray, F32Array]:
    """Top-k of one block of rows: (n_compatible, counts, mentors, q scores)."""
    s = scorer.score_rows(rows)
    n_compat = np.count_nonzero(s >= 0, axis=1).astype(np.int64)
    r, mentors, vals = select_top(s, scorer.cols, k)
    return n_compat, np.bincount(r, minlength=rows.size).astype(np.int64), mentors, vals


def top_candidates(
    scorer: Scorer,
    k: int,
    rows: IntArray | None = None,
    *,
    block_elems: int = DEFAULT_BLOCK_ELEMS,
    workers: int = 2,
    progress: Progress | None = None,
) -> Candidates:
    """Each mentee's ``k`` best allowed mentors (all rows, or only ``rows``; other rows stay empty)."""
    rows = np.arange(scorer.n_mentees, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    n_compat = np.zeros(scorer.n_mentees, dtype=np.int64)
    counts = np.zeros(scorer.n_mentees, dtype=np.int64)
    if scorer.n_cols == 0 or rows.size == 0:
        return Candidates(
            scorer.n_mentees,
            scorer.n_mentors,
            np.zeros(scorer.n_mentees + 1, np.int64),
            np.zeros(0, np.int64),
            np.zeros(0),
            n_compat,
        )
    rows = np.sort(rows)
    blocks = list(row_blocks(rows, scorer.n_cols, block_elems))
    parts = map_blocks(lambda b: _block_top_k(scorer, b, k), blocks, workers, progress)
    for b, (nc, cnt, _, _) in zip(blocks, parts, strict=True):
        n_compat[b], counts[b] = nc, cnt
    return Candidates(
        n_mentees=scorer.n_mentees,
        n_mentors=scorer.n_mentors,
        indptr=np.r_[0, np.cumsum(counts)].astype(np.int64),
        mentor=np.concatenate([p[2] for p in parts]).astype(np.int64),
        score=np.concatenate([p[3] for p in parts]).astype(np.float64) / SCORE_SCALE,
        n_compatible=n_compat,
    )
