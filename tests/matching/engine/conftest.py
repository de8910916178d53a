"""Small random instances and brute-force references for the engine tests."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import strategies as st

from mentorloom.matching.engine.candidates import Candidates


@st.composite
def candidate_instances(draw: st.DrawFn, max_mentees: int = 8, max_mentors: int = 5) -> tuple[Candidates, np.ndarray]:
    """Random complete candidate lists with integer scores 0..20 (ties likely) and capacities 0..3."""
    n = draw(st.integers(1, max_mentees))
    m = draw(st.integers(1, max_mentors))
    allowed = np.array(draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))).reshape(n, m)
    scores = np.array(draw(st.lists(st.integers(0, 20), min_size=n * m, max_size=n * m)), dtype=np.float64)
    capacity = np.array(draw(st.lists(st.integers(0, 3), min_size=m, max_size=m)), dtype=np.int64)
    i, j = np.nonzero(allowed)
    cands = Candidates.from_pairs(n, m, i.astype(np.int64), j.astype(np.int64), scores.reshape(n, m)[i, j])
    return cands, capacity


def brute_force_blocking(cands: Candidates, assignment: np.ndarray, capacity: np.ndarray) -> int:
    """Blocking pairs by definition, with the engine's tie-breaks (lower index wins), pair by pair."""
    score = {(int(i), int(j)): float(s) for i, j, s in zip(cands.mentee, cands.mentor, cands.score, strict=True)}

    def mentee_prefers(i: int, a: int, b: int) -> bool:
        return b < 0 or (score[i, a], -a) > (score[i, b], -b)

    def mentor_prefers(j: int, a: int, b: int) -> bool:
        return (score[a, j], -a) > (score[b, j], -b)

    count = 0
    for i, j in score:
        if assignment[i] == j or not mentee_prefers(i, j, int(assignment[i])):
            continue
        held = [int(x) for x in np.flatnonzero(assignment == j)]
        if len(held) < capacity[j] or any(mentor_prefers(j, i, h) for h in held):
            count += 1
    return count


def reference_deferred_acceptance(cands: Candidates, capacity: np.ndarray) -> np.ndarray:
    """Textbook one-proposal-at-a-time mentee-proposing deferred acceptance."""
    prefs = [list(cands.mentor[cands.indptr[i] : cands.indptr[i + 1]]) for i in range(cands.n_mentees)]
    score = {(int(i), int(j)): float(s) for i, j, s in zip(cands.mentee, cands.mentor, cands.score, strict=True)}
    nxt = [0] * cands.n_mentees
    held: dict[int, list[int]] = {j: [] for j in range(cands.n_mentors)}
    free = list(range(cands.n_mentees))
    while free:
        i = free.pop()
        if nxt[i] >= len(prefs[i]):
            continue
        j = int(prefs[i][nxt[i]])
        nxt[i] += 1
        held[j].append(i)
        held[j].sort(key=lambda x: (-score[x, j], x))
        while len(held[j]) > capacity[j]:
            free.append(held[j].pop())
    out = np.full(cands.n_mentees, -1, dtype=np.int64)
    for j, mentees in held.items():
        out[mentees] = j
    return out


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(12345)
