"""A hand-made pair's score, criteria and facts, computed by the same engine code as a run's proposals.

Used where a pair is chosen outside a matching run: a coordinator's swap in the review (`service._rescore`) and
a mentor accepting a self-service request (`mentor_requests._take_slot`, which keeps the criteria as evidence).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from mentorloom.matching.engine import pair_breakdown
from mentorloom.matching.engine.explain import explain_pairs
from mentorloom.matching.inputs import allowed, build_inputs
from mentorloom.programs.models import Program


@dataclass(frozen=True)
class PairFit:
    """One pair as the engine sees it: fit 0..100, criteria {criterion: 0..1}, facts, and whether the rules allow it."""

    score: float
    criteria: dict[str, float]
    facts: list[dict[str, Any]]
    allowed: bool


def explain_pairs_for(session: Session, program: Program, pairs: Sequence[tuple[int, int]]) -> list[PairFit | None]:
    """Each (mentee, mentor) pair scored and explained; None where either person is not open to matching.

    A mentee who already has a mentorship or an open offer is not open to matching (build_inputs leaves them
    out), so callers placing a pair explain it before placing it.
    """
    inputs = build_inputs(session, program, mentee_ids=sorted({mentee for mentee, _mentor in pairs}))
    ti, tj = inputs.mentee_index(), inputs.mentor_index()
    known = [(k, ti[a], tj[b]) for k, (a, b) in enumerate(pairs) if a in ti and b in tj]
    out: list[PairFit | None] = [None] * len(pairs)
    if not known:
        return out
    i = np.array([row[1] for row in known], dtype=np.int64)
    j = np.array([row[2] for row in known], dtype=np.int64)
    breakdown = pair_breakdown(inputs.mentees, inputs.mentors, i, j, inputs.weights, inputs.rules)
    explained = explain_pairs(breakdown, inputs.mentees, inputs.mentors, inputs.labels)
    for n, ((k, a, b), e) in enumerate(zip(known, explained, strict=True)):
        out[k] = PairFit(float(breakdown.score[n]), e["criteria"], e["facts"], allowed(inputs, a, b))
    return out


def explain_pair(session: Session, program: Program, mentee_id: int, mentor_id: int) -> PairFit | None:
    """One (mentee, mentor) pair scored and explained; None when either person is not open to matching."""
    return explain_pairs_for(session, program, [(mentee_id, mentor_id)])[0]
