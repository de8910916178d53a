"""/api/v1 endpoints of the evidence on matching criteria: what went with early endings, and applying the
suggested weights to the next matching run (coordinators and admins; members without the right 403, others 404)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy.orm import Session

from mentorloom.health import evidence
from mentorloom.health.models import WeightChange
from mentorloom.health.schemas.evidence import ApplyIn, EffectOut, EvidenceOut, WeightChangeOut
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()
BASE = "/programs/{program_id}/health/evidence"


def change_out(session: Session, change: WeightChange) -> WeightChangeOut:
    return WeightChangeOut(
        id=change.id,
        applied_at=change.applied_at,
        by_user_id=change.by_user_id,
        by=evidence.change_author(session, change),
        before=change.before,
        after=change.after,
    )


def effect_out(effect: evidence.Effect) -> EffectOut:
    return EffectOut(
        criterion=effect.criterion,
        label=evidence.criterion_label(effect.criterion),
        hazard_ratio=effect.hazard_ratio,
        ci_low=effect.low,
        ci_high=effect.high,
        p_value=effect.p_value,
        evidence=effect.evidence,
        direction=effect.direction,
        sentence=evidence.sentence(effect),
    )


@router.get(BASE, response_model=EvidenceOut)
def get_evidence(program_id: ObjectId, user: ApiUser, session: DbSession) -> EvidenceOut:
    """Hazard ratios of early ending per 0.1 more of each criterion's match-time score (Cox model, 95% CIs) and
    the suggested matching weights; from 30 early endings on, below that only the counts."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    found = evidence.evidence_for(session, program)
    last = evidence.last_change(session, program)
    return EvidenceOut(
        status=found.status,
        pairs=found.pairs,
        early_endings=found.events,
        censored=found.censored,
        minimum=found.minimum,
        median_months=found.median_months,
        effects=[effect_out(e) for e in found.effects],
        left_out=found.dropped,
        weights_before=found.before,
        weights_after=found.after,
        changes=found.changes,
        new_early_endings_needed=found.new_events_needed,
        association_note=evidence.association_note(),
        last_change=change_out(session, last) if last is not None else None,
    )


@router.post(f"{BASE}/apply", response_model=WeightChangeOut)
def apply_weights(program_id: ObjectId, body: ApplyIn, user: ApiUser, session: DbSession) -> WeightChangeOut:
    """Write the suggested weights into the program settings for the next matching run and log the change.
    409 when the program's weights or the suggestion are no longer the ones sent (read the evidence again)."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    change = evidence.apply_suggestion(session, program, user, body.before, body.after)
    return change_out(session, change)
