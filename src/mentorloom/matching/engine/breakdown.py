"""Per-criterion breakdown of chosen pairs only: the explanation needs it, the solver never does."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .features import CRITERIA, MAX_LEVEL, FloatArray, IntArray, MenteeFeatures, MentorFeatures, Rules, Weights
from .scoring import _priority_weights, mentee_criterion_weights, mentor_criteria, mentor_tags, pair_weights

_CHUNK = 16384


@dataclass(frozen=True, eq=False)
class Breakdown:
    """For each pair: criteria (n, 5) in [0, 1] in ``CRITERIA`` order, the mentee's weights, score in [0, 100]."""

    mentee: IntArray
    mentor: IntArray
    criteria: FloatArray
    weights: FloatArray
    preferred: NDArray[np.bool_]
    score: FloatArray
    overlap_hours: IntArray
    tz_diff_hours: FloatArray
    target_hours: float = 4.0


def _ochiai(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> FloatArray:
    """|A∩B| / sqrt(|A||B|) row by row; 0 when either side is empty."""
    shared = (a & b).sum(axis=1)
    denom = np.sqrt(a.sum(axis=1) * b.sum(axis=1).astype(np.float64))
    out: FloatArray = np.divide(shared, denom, out=np.zeros(shared.shape, np.float64), where=denom > 0)
    return out


def _soft_overlap(mentee: sp.csr_matrix, mentor_own: sp.csr_matrix, mentor_spread: sp.csr_matrix) -> FloatArray:
    """Ochiai coefficient with meaning matches: Σ credit over the mentee's tags / sqrt(|A||B|), at most 1.

    ``mentor_spread`` holds the mentor's tags spread over the tags they mean (credit 0–1, own tags 1); the
    mentor's *own* count normalises, so synonyms never count twice.
    """
    a = (mentee != 0).astype(np.float64)
    shared = np.asarray(a.multiply(mentor_spread).sum(axis=1)).ravel()
    denom = np.sqrt(a.getnnz(axis=1) * (mentor_own != 0).getnnz(axis=1).astype(np.float64))
    out: FloatArray = np.divide(shared, denom, out=np.zeros(shared.shape, np.float64), where=denom > 0)
    return np.minimum(out, 1.0)


def _time(me: MenteeFeatures, mo: MentorFeatures, i: IntArray, j: IntArray, target: float) -> tuple[FloatArray, ...]:
    """Time criterion = weekly overlap in UTC hours against the target (only where both gave availability).

    The time zone itself is not scored: availability is already in UTC, and a time zone alone (which every
    profile has, "UTC" by default) says nothing about when two people are free.
    """
    delta = (me.utc_offset[i] - mo.utc_offset[j]).astype(np.float64)
    a, b = me.availability[i], mo.availability[j]
    overlap = (a & b).sum(axis=1)
    wrapped = np.abs((delta + 12.0) % 24.0 - 12.0)
    return np.minimum(1.0, overlap / target), overlap.astype(np.float64), wrapped


def _criteria(me: MenteeFeatures, mo: MentorFeatures, i: IntArray, j: IntArray, w: Weights) -> tuple[FloatArray, ...]:
    """Criterion matrix plus overlap hours and time-zone difference for one chunk of pairs."""
    crit = np.zeros((i.size, len(CRITERIA)), dtype=np.float64)
    expertise, interests = mentor_tags(mo, j)
    crit[:, 0] = (_priority_weights(me.wanted[i]) * (expertise.toarray() / MAX_LEVEL)).sum(axis=1)
    crit[:, 1] = _ochiai(me.values[i], mo.values[j])
    crit[:, 2] = _soft_overlap(sp.csr_matrix(me.interests[i]), sp.csr_matrix(mo.interests[j]), interests)
    if me.embeddings is not None and mo.embeddings is not None:
        dots = (me.embeddings[i].astype(np.float64) * mo.embeddings[j]).sum(axis=1)
        crit[:, 3] = np.clip(dots, 0.0, 1.0)
    crit[:, 4], overlap, tzd = _time(me, mo, i, j, w.availability_target_hours)
    # float rounding can leave 1 + 1e-7; criteria are defined in [0, 1]
    return np.clip(crit, 0.0, 1.0), overlap, tzd


def pair_breakdown(
    mentees: MenteeFeatures,
    mentors: MentorFeatures,
    mentee_idx: IntArray,
    mentor_idx: IntArray,
    weights: Weights | None = None,
    rules: Rules | None = None,
) -> Breakdown:
    """Criteria and score of the given pairs (hard rules are not applied: explain what was chosen)."""
    weights, rules = weights or Weights(), rules or Rules()
    i, j = np.asarray(mentee_idx, np.int64), np.asarray(mentor_idx, np.int64)
    has_text = mentees.embeddings is not None and mentors.embeddings is not None
    mentor_present = mentor_criteria(mentors)[j]
    wmat = pair_weights(mentee_criterion_weights(mentees, weights, has_text)[i], mentor_present)
    parts = [
        _criteria(mentees, mentors, i[s : s + _CHUNK], j[s : s + _CHUNK], weights) for s in range(0, i.size, _CHUNK)
    ]
    crit = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, len(CRITERIA)))
    overlap = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0)
    tzd = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0)
    n_mentors = max(mentors.n, 1)
    pref = rules.preferred
    preferred = np.isin(i * n_mentors + j, pref.mentee * n_mentors + pref.mentor)
    score = 100.0 * (crit * wmat).sum(axis=1)
    score = np.where(preferred, score + weights.preference * (100.0 - score), score)
    return Breakdown(
        i,
        j,
        crit,
        wmat,
        preferred,
        np.clip(score, 0.0, 100.0),
        overlap.astype(np.int64),
        tzd,
        weights.availability_target_hours,
    )
