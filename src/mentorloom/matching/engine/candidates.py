"""Sparse candidate lists: for each mentee, the allowed mentors in preference order with their pair scores."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:  # features imports scipy.sparse, which the pairs-file path never needs
    from .features import FloatArray, IntArray


@dataclass(frozen=True, eq=False)
class Candidates:
    """CSR-style candidate lists, one row per mentee, each row sorted best first (score desc, mentor index asc).

    ``n_compatible[i]`` counts every mentor allowed for mentee ``i`` after hard rules; when it exceeds the row
    length the row was cut to its top-k ("truncated") and every mentor left out scores at most the row's last score.
    Mentors rank their mentees by the same ``score`` (stable matching).
    """

    n_mentees: int
    n_mentors: int
    indptr: IntArray
    mentor: IntArray
    score: FloatArray
    n_compatible: IntArray

    @property
    def lengths(self) -> IntArray:
        """Number of candidates kept per mentee."""
        return np.diff(self.indptr)

    @property
    def truncated(self) -> NDArray[np.bool_]:
        """Mentees whose list was cut, so some compatible mentors are missing from it."""
        return self.n_compatible > self.lengths

    @property
    def mentee(self) -> IntArray:
        """Mentee index of every entry (expanded from indptr)."""
        return np.repeat(np.arange(self.n_mentees, dtype=np.int64), self.lengths)

    @classmethod
    def from_pairs(
        cls,
        n_mentees: int,
        n_mentors: int,
        mentee: IntArray,
        mentor: IntArray,
        score: FloatArray,
        *,
        order: IntArray | None = None,
    ) -> Candidates:
        """Complete candidate lists from an unordered list of allowed pairs (pairs files, tests, exact checks).

        ``order`` is :func:`candidate_order` of these pairs, when the caller needed it too.
        """
        order = candidate_order(mentee, mentor, score, n_mentors) if order is None else order
        counts = np.bincount(mentee, minlength=n_mentees).astype(np.int64)
        return cls(
            n_mentees=n_mentees,
            n_mentors=n_mentors,
            indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            mentor=mentor[order].astype(np.int64),
            score=score[order].astype(np.float64),
            n_compatible=counts,
        )

    def without(self, mentee: IntArray, mentor: IntArray) -> Candidates:
        """Drop the given pairs (rejected pairs); compatibility counts drop with them."""
        if mentee.size == 0:
            return self
        drop = np.isin(self.mentee * self.n_mentors + self.mentor, mentee * self.n_mentors + mentor)
        return self._keep(~drop, dropped_are_incompatible=True)

    def without_mentees(self, mentees: IntArray) -> Candidates:
        """Empty the rows of the given mentees (locked mentees are not matched again)."""
        gone = np.zeros(self.n_mentees, dtype=np.bool_)
        gone[mentees] = True
        return self._keep(~gone[self.mentee], dropped_are_incompatible=True)

    def _keep(self, keep: NDArray[np.bool_], *, dropped_are_incompatible: bool) -> Candidates:
        """Filter entries, rebuilding indptr."""
        rows = self.mentee
        counts = np.bincount(rows[keep], minlength=self.n_mentees).astype(np.int64)
        n_compat = self.n_compatible
        if dropped_are_incompatible:
            n_compat = n_compat - np.bincount(rows[~keep], minlength=self.n_mentees)
        return Candidates(
            n_mentees=self.n_mentees,
            n_mentors=self.n_mentors,
            indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            mentor=self.mentor[keep],
            score=self.score[keep],
            n_compatible=n_compat,
        )

    def with_rows(self, rows: IntArray, other: Candidates) -> Candidates:
        """Replace the listed rows by the same rows of ``other`` (used to lengthen some mentees' lists)."""
        take_other = np.zeros(self.n_mentees, dtype=np.bool_)
        take_other[rows] = True
        keep_self = ~take_other[self.mentee]
        keep_other = take_other[other.mentee]
        mentee = np.concatenate([self.mentee[keep_self], other.mentee[keep_other]])
        order = np.argsort(mentee, kind="stable")
        counts = np.bincount(mentee, minlength=self.n_mentees).astype(np.int64)
        n_compat = np.where(take_other, other.n_compatible, self.n_compatible)

        def merged(a: FloatArray | IntArray, b: FloatArray | IntArray) -> NDArray[np.generic]:
            return np.concatenate([a[keep_self], b[keep_other]])[order]

        return Candidates(
            n_mentees=self.n_mentees,
            n_mentors=self.n_mentors,
            indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            mentor=merged(self.mentor, other.mentor).astype(np.int64),
            score=merged(self.score, other.score).astype(np.float64),
            n_compatible=n_compat.astype(np.int64),
        )

    def rank_of(self, assignment: IntArray) -> IntArray:
        """1-based position of each mentee's assigned mentor in its list, 0 when unmatched or not listed."""
        rows = self.mentee
        hit = assignment[rows] == self.mentor
        rank = np.zeros(self.n_mentees, dtype=np.int64)
        positions = np.arange(self.mentor.size, dtype=np.int64) - self.indptr[rows] + 1
        rank[rows[hit]] = positions[hit]
        return rank


def candidate_order(mentee: IntArray, mentor: IntArray, score: FloatArray, n_mentors: int) -> IntArray:
    """The entry order of candidate lists: by mentee, best score first, then lower mentor index.

    One int64 sort of (mentee, score rank, mentor) rather than a three-key lexsort, whose stable float sort
    took most of the time of building 200,000 pairs; the lexsort stays for non-finite scores and huge keys.
    """
    if score.size == 0 or not np.isfinite(score).all():
        return np.lexsort((mentor, -score, mentee))
    by_score = np.argsort(-score)  # equal scores may come in any order: they share one rank
    ordered = score[by_score]
    fresh = np.empty(ordered.size, dtype=np.bool_)
    fresh[0], fresh[1:] = True, ordered[1:] != ordered[:-1]
    rank = np.empty(ordered.size, dtype=np.int64)
    rank[by_score] = np.cumsum(fresh) - 1
    n_ranks, n_mentees = int(rank.max()) + 1, int(mentee.max()) + 1
    if n_mentees * n_ranks * max(n_mentors, 1) >= 2**62:
        return np.lexsort((mentor, -score, mentee))
    key = (mentee.astype(np.int64) * n_ranks + rank) * max(n_mentors, 1) + mentor
    return np.argsort(key)
