"""Keep each matched pair's per-criterion scores as they were at the match (the evidence page's covariates).

Recorded for pairs formed through matching: an accepted offer of a run (`service.respond`) and an accepted
self-service request (`mentor_requests._take_slot`). Pairs a coordinator creates directly
(`mentorships.lifecycle.create_direct`) get no row: nobody scored them, so they carry no evidence about the
matching criteria.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from mentorloom.matching.models import MatchScore
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Program
from mentorloom.programs.service import program_settings


def current_weights(program: Program) -> dict[str, float]:
    """The program's matching weights now, as stored beside each match score."""
    return program_settings(program).matching_weights.model_dump()


def record(
    session: Session, mentorship: Mentorship, score: float, criteria: dict[str, float], weights: dict[str, float]
) -> MatchScore:
    """Store the pair's match-time score and criteria once; a second call for the same pair changes nothing."""
    existing = session.get(MatchScore, mentorship.id)
    if existing is not None:
        return existing
    row = MatchScore(
        mentorship_id=mentorship.id,
        program_id=mentorship.program_id,
        score=float(score),
        criteria={key: float(value) for key, value in criteria.items()},
        weights=dict(weights),
    )
    session.add(row)
    session.flush()
    return row
