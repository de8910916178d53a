"""Explanation *data* for chosen pairs: structured facts the web layer turns into German/English sentences.

Example: ``{"kind": "shared_values", "values": ["autonomy", "family"]}``. Nothing here formats prose.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .breakdown import Breakdown
from .features import CRITERIA, IntArray, Labels, MenteeFeatures, MentorFeatures

EXPERT_LEVEL = 3  # mentor level from which a wanted skill counts as covered
GAP_LEVEL = 1  # a top-priority skill with mentor level at most this is reported as a gap
MAX_ITEMS = 5  # at most this many skills / interests per fact keeps explanations readable
MIN_TEXT_SIMILARITY = 0.3

Fact = dict[str, Any]


def _label(names: Sequence[str], idx: int) -> str:
    """Column label, or the index as text when the service gave no labels."""
    return names[idx] if idx < len(names) else str(idx)


def _grouped(rows: IntArray, cols: IntArray, n: int) -> list[list[int]]:
    """Column indices per row from a (row, col) nonzero listing."""
    out: list[list[int]] = [[] for _ in range(n)]
    for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
        out[r].append(c)
    return out


def _expertise_facts(wanted: NDArray[np.uint8], level: NDArray[np.uint8], labels: Labels) -> list[list[Fact]]:
    """Covered wanted skills (most important first, then highest level) and uncovered top-priority skills."""
    facts: list[list[Fact]] = [[] for _ in range(wanted.shape[0])]
    covered = (wanted > 0) & (level >= EXPERT_LEVEL)
    rank = np.where(covered, wanted.astype(np.int64) * 10 - level, 10**6)
    for p, row in enumerate(np.argsort(rank, axis=1, kind="stable")[:, :MAX_ITEMS]):
        for s in row[covered[p, row]].tolist():
            facts[p].append({"kind": "expertise", "skill": _label(labels.skills, s), "level": int(level[p, s]),
                             "mentee_priority": int(wanted[p, s])})
    gap_rows, gap_cols = np.nonzero((wanted == 1) & (level <= GAP_LEVEL))
    for p, cols in enumerate(_grouped(gap_rows, gap_cols, wanted.shape[0])):
        if cols:
            facts[p].append({"kind": "skill_gap", "skills": [_label(labels.skills, s) for s in cols[:MAX_ITEMS]]})
    return facts


def _shared_facts(me: MenteeFeatures, mo: MentorFeatures, i: IntArray, j: IntArray, labels: Labels) -> list[list[Fact]]:
    """Shared values, shared interests and common languages."""
    n = i.size
    facts: list[list[Fact]] = [[] for _ in range(n)]
    vr, vc = np.nonzero(me.values[i] & mo.values[j])
    for p, cols in enumerate(_grouped(vr, vc, n)):
        if cols:
            facts[p].append({"kind": "shared_values", "values": [_label(labels.values, c) for c in cols]})
    shared = sp.coo_matrix(sp.csr_matrix(me.interests[i] != 0).multiply(sp.csr_matrix(mo.interests[j] != 0)))
    for p, cols in enumerate(_grouped(shared.row.astype(np.int64), shared.col.astype(np.int64), n)):
        if cols:
            names = [_label(labels.interests, c) for c in sorted(cols)[:MAX_ITEMS]]
            facts[p].append({"kind": "shared_interests", "interests": names, "count": len(cols)})
    common = me.languages[i] & mo.languages[j]
    bits = (common[:, None] >> np.arange(63, dtype=np.int64)[None, :]) & 1
    lr, lc = np.nonzero(bits)
    for p, cols in enumerate(_grouped(lr, lc, n)):
        facts[p].append({"kind": "common_languages", "languages": [_label(labels.languages, c) for c in cols]})
    return facts


def _pair_facts(b: Breakdown, p: int, me: MenteeFeatures, mo: MentorFeatures) -> list[Fact]:
    """Facts that come straight from the breakdown: bio similarity, time overlap, preference."""
    facts: list[Fact] = []
    if b.criteria[p, 3] >= MIN_TEXT_SIMILARITY:
        facts.append({"kind": "similar_bio", "similarity": round(float(b.criteria[p, 3]), 2)})
    i, j = int(b.mentee[p]), int(b.mentor[p])
    if me.availability[i].any() and mo.availability[j].any():
        facts.append({"kind": "time_overlap", "hours_per_week": int(b.overlap_hours[p])})
    facts.append({"kind": "time_zone", "difference_hours": round(float(b.tz_diff_hours[p]), 2)})
    if b.preferred[p]:
        facts.append({"kind": "mentee_preferred"})
    return facts


def explain_pairs(
    breakdown: Breakdown, mentees: MenteeFeatures, mentors: MentorFeatures, labels: Labels | None = None
) -> list[dict[str, Any]]:
    """One explanation per pair: score, criteria, criteria ordered by contribution, and the list of facts."""
    labels = labels or Labels()
    i, j = breakdown.mentee, breakdown.mentor
    expertise = _expertise_facts(mentees.wanted[i], mentors.expertise[j], labels)
    shared = _shared_facts(mentees, mentors, i, j, labels)
    contribution = breakdown.criteria * breakdown.weights
    order = np.argsort(-contribution, axis=1, kind="stable")
    out: list[dict[str, Any]] = []
    for p in range(i.size):
        out.append({
            "mentee": int(i[p]),
            "mentor": int(j[p]),
            "score": round(float(breakdown.score[p]), 3),
            "criteria": {c: round(float(breakdown.criteria[p, k]), 4) for k, c in enumerate(CRITERIA)},
            "top_criteria": [CRITERIA[k] for k in order[p] if contribution[p, k] > 0],
            "facts": expertise[p] + shared[p] + _pair_facts(breakdown, p, mentees, mentors),
        })
    return out
