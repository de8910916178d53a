"""Mentee-proposing deferred acceptance with mentor capacities, on full preference lists.

Proposals run in vectorised rounds: every free mentee proposes to its next mentor at once, and each mentor
keeps its best ``capacity`` among held and new proposals (one lexsort per round). The result is the same as
the classic one-at-a-time algorithm (the mentee-optimal stable matching), because deferred acceptance does
not depend on proposal order.

Orders are strict: a mentee prefers higher score, then lower mentor index; a mentor prefers higher
mentor-side score, then lower mentee index. Both are encoded as one int64 key per pair (higher = better).

Full lists for 20k × 8k would be ~1 GB, so lists are produced lazily: a first chunk of each mentee's best
mentors, and the next chunk (everything ranked after the last one seen) only when a mentee runs out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from .candidates import Candidates

if TYPE_CHECKING:  # features imports scipy.sparse, which the pairs-file path never needs
    from .features import IntArray


@dataclass(frozen=True, eq=False)
class PrefChunk:
    """Next preference entries for some mentees: ``counts`` per mentee, flat mentors/keys, ``complete`` flags."""

    counts: IntArray
    mentor: IntArray
    key: IntArray
    mentor_key: IntArray
    complete: NDArray[np.bool_]


# extend(mentees, last_key_seen) -> the entries of those mentees ranked after last_key_seen
Extender = Callable[["IntArray", "IntArray"], PrefChunk]


@dataclass(frozen=True, eq=False)
class StableSolution:
    """Assignment, 1-based preference rank of the assigned mentor (0 unmatched), held keys, proposals made."""

    assignment: IntArray
    rank: IntArray
    mentee_key: IntArray
    mentor_key: IntArray
    proposals: int
    rounds: int


class _Lists:
    """Growing flat storage of preference entries with a [pos, end) window per mentee."""

    def __init__(self, n: int, first: PrefChunk) -> None:
        self.mentor, self.key, self.mkey = first.mentor, first.key, first.mentor_key
        ends = np.cumsum(first.counts)
        self.pos, self.end = ends - first.counts, ends.astype(np.int64)
        self.start = self.pos.copy()
        self.complete = first.complete.copy()
        self.seen = np.zeros(n, dtype=np.int64)  # entries consumed in earlier chunks (for ranks)
        self.last_key = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)

    def append(self, mentees: IntArray, chunk: PrefChunk) -> None:
        """Give ``mentees`` a new window on freshly appended entries."""
        base = self.mentor.size
        self.mentor = np.concatenate([self.mentor, chunk.mentor])
        self.key = np.concatenate([self.key, chunk.key])
        self.mkey = np.concatenate([self.mkey, chunk.mentor_key])
        ends = base + np.cumsum(chunk.counts)
        self.seen[mentees] += self.end[mentees] - self.start[mentees]
        self.pos[mentees], self.end[mentees] = ends - chunk.counts, ends
        self.start[mentees] = self.pos[mentees]
        self.complete[mentees] = chunk.complete


def deferred_acceptance(
    n_mentees: int, capacity: IntArray, first: PrefChunk, extend: Extender | None = None
) -> StableSolution:
    """Run mentee-proposing deferred acceptance; ``extend`` supplies more entries to mentees who run out."""
    cap = np.asarray(capacity, dtype=np.int64)
    lists = _Lists(n_mentees, first)
    assign = np.full(n_mentees, -1, dtype=np.int64)
    held_mkey = np.full(n_mentees, -1, dtype=np.int64)
    held_key = np.full(n_mentees, -1, dtype=np.int64)
    rank = np.zeros(n_mentees, dtype=np.int64)
    proposals = rounds = 0
    while True:
        free = assign < 0
        if extend is not None:
            _extend_exhausted(lists, free, extend)
        proposers = np.flatnonzero(free & (lists.pos < lists.end))
        if proposers.size == 0:
            break
        at = lists.pos[proposers]
        lists.pos[proposers] += 1
        lists.last_key[proposers] = lists.key[at]
        rank[proposers] = lists.seen[proposers] + (at - lists.start[proposers]) + 1
        _settle(proposers, lists.mentor[at], lists.mkey[at], lists.key[at], cap, assign, held_mkey, held_key)
        proposals += proposers.size
        rounds += 1
    rank[assign < 0] = 0
    return StableSolution(assign, rank, held_key, held_mkey, proposals, rounds)


def _extend_exhausted(lists: _Lists, free: NDArray[np.bool_], extend: Extender) -> None:
    """Fetch the next chunk for free mentees whose window is used up but whose list is not complete."""
    need = np.flatnonzero(free & (lists.pos >= lists.end) & ~lists.complete)
    if need.size == 0:
        return
    lists.append(need, extend(need, lists.last_key[need]))


def _settle(
    proposers: IntArray,
    mentor: IntArray,
    mkey: IntArray,
    key: IntArray,
    cap: IntArray,
    assign: IntArray,
    held_mkey: IntArray,
    held_key: IntArray,
) -> None:
    """Each mentor that got proposals keeps its best ``cap`` among held + new; the rest become free."""
    touched = np.zeros(cap.size, dtype=np.bool_)
    touched[mentor] = True
    held = np.flatnonzero((assign >= 0) & touched[np.maximum(assign, 0)])
    who = np.concatenate([held, proposers])
    where = np.concatenate([assign[held], mentor])
    mk = np.concatenate([held_mkey[held], mkey])
    k = np.concatenate([held_key[held], key])
    order = np.lexsort((-mk, where))
    who, where, mk, k = who[order], where[order], mk[order], k[order]
    group_start = np.flatnonzero(np.r_[True, where[1:] != where[:-1]])
    first_of = np.repeat(group_start, np.diff(np.r_[group_start, where.size]))
    keep = (np.arange(where.size) - first_of) < cap[where]
    assign[who[~keep]] = -1
    held_mkey[who[~keep]] = -1
    held_key[who[~keep]] = -1
    assign[who[keep]], held_mkey[who[keep]], held_key[who[keep]] = where[keep], mk[keep], k[keep]


def dense_rank(values: NDArray[np.float64]) -> IntArray:
    """0-based dense rank (equal values share a rank): turns arbitrary real scores into integer key parts."""
    return np.unique(values, return_inverse=True)[1].astype(np.int64).reshape(-1)


def candidate_keys(cands: Candidates) -> tuple[IntArray, IntArray]:
    """(mentee key, mentor key) per candidate entry: rank of score, ties broken by the other side's index."""
    m, n = max(cands.n_mentors, 1), max(cands.n_mentees, 1)
    key = dense_rank(cands.score) * m + (m - 1 - cands.mentor)
    mkey = dense_rank(cands.score) * n + (n - 1 - cands.mentee)
    return key, mkey


def chunk_from_candidates(cands: Candidates) -> PrefChunk:
    """The whole (complete) candidate lists as one chunk, rows re-sorted by mentee key."""
    key, mkey = candidate_keys(cands)
    rows = cands.mentee
    order = np.lexsort((-key, rows))
    return PrefChunk(cands.lengths, cands.mentor[order], key[order], mkey[order], np.ones(cands.n_mentees, np.bool_))


def stable_from_candidates(cands: Candidates, capacity: IntArray) -> StableSolution:
    """Deferred acceptance on explicit, complete lists (pairs files, tests)."""
    return deferred_acceptance(cands.n_mentees, capacity, chunk_from_candidates(cands))
