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
from .similarity import expand_rows

EXPERT_LEVEL = 3  # mentor level from which a wanted skill counts as covered
GAP_LEVEL = 1  # a top-priority skill with mentor level at most this is reported as a gap
MAX_ITEMS = 5  # at most this many skills / interests per fact keeps explanations readable
MIN_TEXT_SIMILARITY = 0.3
SHARED_INTEREST_CREDIT = 0.5  # an interest of the same meaning counts as shared from this credit on
TZ_NOTE_HOURS = 3.0  # time zones this far apart are mentioned (as a caution)

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


def _named(labels: Sequence[str], wanted: int, source: int) -> str:
    """A wanted tag, and the mentor's own tag when that is another word for it: "Verhandlungsführung ≈ negotiation"."""
    name = _label(labels, wanted)
    return name if source == wanted else f"{name} ≈ {_label(labels, source)}"


def _expertise_facts(wanted: NDArray[np.uint8], mo: MentorFeatures, j: IntArray, labels: Labels) -> list[list[Fact]]:
    """Covered wanted skills (most important first, then highest level) and uncovered top-priority skills.

    A skill counts as covered by the mentor's tag of the same meaning; its level is then the mentor's level
    times the credit of the two tags, and the fact names both tags.
    """
    spread, source = expand_rows(mo.expertise, j, mo.skill_credit)
    level = spread.toarray()
    src = source.toarray().astype(np.int64) - 1
    facts: list[list[Fact]] = [[] for _ in range(wanted.shape[0])]
    covered = (wanted > 0) & (level >= EXPERT_LEVEL)
    rank = np.where(covered, wanted.astype(np.float64) * 10 - level, 10**6)
    for p, row in enumerate(np.argsort(rank, axis=1, kind="stable")[:, :MAX_ITEMS]):
        for s in row[covered[p, row]].tolist():
            facts[p].append(
                {
                    "kind": "expertise",
                    "skill": _named(labels.skills, s, int(src[p, s])),
                    "level": int(mo.expertise[j[p], src[p, s]]),
                    "mentee_priority": int(wanted[p, s]),
                }
            )
    gap_rows, gap_cols = np.nonzero((wanted == 1) & (level <= GAP_LEVEL))
    for p, cols in enumerate(_grouped(gap_rows, gap_cols, wanted.shape[0])):
        if cols:
            facts[p].append({"kind": "skill_gap", "skills": [_label(labels.skills, s) for s in cols[:MAX_ITEMS]]})
    return facts


def _shared_facts(me: MenteeFeatures, mo: MentorFeatures, i: IntArray, j: IntArray, labels: Labels) -> list[list[Fact]]:
    """Shared values, shared interests (also by meaning: "Klettern ≈ climbing") and common languages."""
    n = i.size
    facts: list[list[Fact]] = [[] for _ in range(n)]
    vr, vc = np.nonzero(me.values[i] & mo.values[j])
    for p, cols in enumerate(_grouped(vr, vc, n)):
        if cols:
            facts[p].append({"kind": "shared_values", "values": [_label(labels.values, c) for c in cols]})
    spread, source = expand_rows((mo.interests != 0).astype(np.float32), j, mo.interest_credit)
    strong = sp.csr_matrix(spread >= SHARED_INTEREST_CREDIT)
    shared = sp.coo_matrix(sp.csr_matrix(me.interests[i] != 0).multiply(strong))
    rows, cols = shared.row.astype(np.int64), shared.col.astype(np.int64)
    order = np.lexsort((cols, rows))
    rows, cols = rows[order], cols[order]
    sources = np.zeros(0, np.int64)
    if rows.size:
        sources = np.asarray(sp.csr_matrix(source)[rows, cols]).ravel().astype(np.int64) - 1
    for p, items in enumerate(_grouped(rows, np.arange(rows.size, dtype=np.int64), n)):
        if items:
            names = [_named(labels.interests, int(cols[k]), int(sources[k])) for k in items[:MAX_ITEMS]]
            facts[p].append({"kind": "shared_interests", "interests": names, "count": len(items)})
    common = me.languages[i] & mo.languages[j]
    bits = (common[:, None] >> np.arange(63, dtype=np.int64)[None, :]) & 1
    lr, lc = np.nonzero(bits)
    for p, cols in enumerate(_grouped(lr, lc, n)):
        facts[p].append({"kind": "common_languages", "languages": [_label(labels.languages, c) for c in cols]})
    return facts


def _pair_facts(b: Breakdown, me: MenteeFeatures, mo: MentorFeatures) -> list[list[Fact]]:
    """Facts that come straight from the breakdown: bio similarity, time overlap, time zone, preference."""
    similar = np.round(b.criteria[:, 3], 2)
    show_similar = (b.criteria[:, 3] >= MIN_TEXT_SIMILARITY).tolist()
    both_known = me.availability[b.mentee].any(axis=1) & mo.availability[b.mentor].any(axis=1)
    known: list[bool] = np.asarray(both_known, dtype=np.bool_).tolist()
    rows = zip(
        show_similar,
        similar.tolist(),
        known,
        b.overlap_hours.tolist(),
        np.round(b.tz_diff_hours, 2).tolist(),
        b.preferred.tolist(),
        strict=True,
    )
    target = b.target_hours
    out: list[list[Fact]] = []
    for show, sim, has_time, hours, tz, pref in rows:
        facts: list[Fact] = [{"kind": "similar_bio", "similarity": sim}] if show else []
        if has_time:
            facts.append({"kind": "time_overlap", "hours_per_week": hours, "target_hours": target})
        if tz >= TZ_NOTE_HOURS:  # "same time zone" is no strength when everyone shares it; a big gap is worth a note
            facts.append({"kind": "time_zone", "difference_hours": tz})
        if pref:
            facts.append({"kind": "mentee_preferred"})
        out.append(facts)
    return out


def explain_pairs(
    breakdown: Breakdown, mentees: MenteeFeatures, mentors: MentorFeatures, labels: Labels | None = None
) -> list[dict[str, Any]]:
    """One explanation per pair: score, criteria, criteria ordered by contribution, and the list of facts."""
    labels = labels or Labels()
    i, j = breakdown.mentee, breakdown.mentor
    expertise = _expertise_facts(mentees.wanted[i], mentors, j, labels)
    shared = _shared_facts(mentees, mentors, i, j, labels)
    timing = _pair_facts(breakdown, mentees, mentors)
    contribution = breakdown.criteria * breakdown.weights
    order = np.argsort(-contribution, axis=1, kind="stable")
    positive = np.take_along_axis(contribution, order, axis=1) > 0
    criteria = np.round(breakdown.criteria, 4).tolist()
    scores = np.round(breakdown.score, 3).tolist()
    out: list[dict[str, Any]] = []
    for p, (mentee, mentor) in enumerate(zip(i.tolist(), j.tolist(), strict=True)):
        out.append(
            {
                "mentee": mentee,
                "mentor": mentor,
                "score": scores[p],
                "criteria": dict(zip(CRITERIA, criteria[p], strict=True)),
                "top_criteria": [
                    CRITERIA[k] for k, ok in zip(order[p].tolist(), positive[p].tolist(), strict=True) if ok
                ],
                "facts": expertise[p] + shared[p] + timing[p],
            }
        )
    return out
