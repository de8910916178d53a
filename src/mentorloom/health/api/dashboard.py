"""/api/v1 endpoints of the coordinator dashboard: band counts, the at-risk list with reasons, a pair's health
with the coordination's notes, the nudge and a recompute on demand (coordinators and admins; members without
the right 403, others 404; another program's pair 404)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status

from mentorloom.health import dashboard, reasons, service
from mentorloom.health.schemas.dashboard import (
    BandCountsOut,
    ComponentOut,
    FlaggedListOut,
    FlaggedPairOut,
    NoteIn,
    NoteOut,
    NudgeOut,
    PairHealthOut,
    ReasonOut,
    RecomputeOut,
)
from mentorloom.permissions import Action, program_for
from mentorloom.web.api_common import ObjectId, PageNumber
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()
BASE = "/programs/{program_id}/health"


def reasons_out(found: list[reasons.Reason]) -> list[ReasonOut]:
    return [ReasonOut(component=r.key, code=r.code, points=round(r.points, 1), text=r.text) for r in found]


@router.get(BASE, response_model=BandCountsOut)
def get_counts(program_id: ObjectId, user: ApiUser, session: DbSession) -> BandCountsOut:
    """How many pairs under way are healthy, need attention or are at risk."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    o = dashboard.overview(session, program)
    c = o.counts
    return BandCountsOut(
        healthy=c.healthy, attention=c.attention, at_risk=c.at_risk, total=c.total, computed_at=o.computed_at
    )


@router.get(f"{BASE}/pairs", response_model=FlaggedListOut)
def list_flagged(
    program_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    band: Literal["", "attention", "at_risk"] = "",
    page: PageNumber = 1,
) -> FlaggedListOut:
    """The pairs outside "healthy" (or of one band), most urgent first, 25 a page, with the top reasons."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    listed = dashboard.flagged_page(session, program, band, page)
    items = [
        FlaggedPairOut(
            mentorship_id=f.mentorship.id,
            mentor=f.mentor,
            mentee=f.mentee,
            score=f.health.score,
            band=f.health.band,  # type: ignore[arg-type]
            urgency=f.health.urgency,
            flagged_since=f.health.flagged_since,
            reasons=reasons_out(f.reasons),
            last_nudge_at=f.last_nudge,
            may_nudge=f.may_nudge,
        )
        for f in listed.items
    ]
    return FlaggedListOut(
        band=listed.band,  # type: ignore[arg-type]
        total=listed.total,
        page=listed.page,
        pages=listed.pages,
        items=items,
    )


def _pair_out(session: DbSession, program_id: int, mentorship_id: int, user: ApiUser) -> PairHealthOut:
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    d = dashboard.pair_detail(session, program, mentorship_id)
    h = d.health
    return PairHealthOut(
        mentorship_id=d.mentorship.id,
        mentor=d.mentor,
        mentee=d.mentee,
        score=h.score if h else None,
        band=h.band if h else None,  # type: ignore[arg-type]
        flagged_since=h.flagged_since if h else None,
        components=[
            ComponentOut(
                component=c["key"],
                weight=c["weight"],
                points=c["points"],
                code=c["code"],
                params=c.get("params") or {},
            )
            for c in (h.components if h else [])
        ],
        reasons=reasons_out(d.reasons),
        notes=[NoteOut(id=n.note.id, text=n.note.text, author=n.author, created_at=n.note.created_at) for n in d.notes],
        last_nudge_at=d.last_nudge,
        may_nudge=d.may_nudge,
    )


@router.get(f"{BASE}/pairs/{{mentorship_id}}", response_model=PairHealthOut)
def get_pair(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> PairHealthOut:
    """A pair's score, every component with its reason, and the coordination's notes."""
    return _pair_out(session, program_id, mentorship_id, user)


@router.post(f"{BASE}/pairs/{{mentorship_id}}/nudge", response_model=NudgeOut, status_code=status.HTTP_201_CREATED)
def nudge_pair(program_id: ObjectId, mentorship_id: ObjectId, user: ApiUser, session: DbSession) -> NudgeOut:
    """Send both partners a friendly reminder mail and log it; 409 within a week of the last nudge."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    record = dashboard.nudge(session, program, mentorship_id, user)
    return NudgeOut(id=record.id, mentorship_id=record.mentorship_id, sent_at=record.sent_at)


@router.post(f"{BASE}/pairs/{{mentorship_id}}/notes", response_model=NoteOut, status_code=status.HTTP_201_CREATED)
def add_note(program_id: ObjectId, mentorship_id: ObjectId, body: NoteIn, user: ApiUser, session: DbSession) -> NoteOut:
    """A note for the program coordination only; the pair never sees it."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    note = dashboard.add_note(session, program, mentorship_id, user, body.text)
    return NoteOut(id=note.id, text=note.text, author=user.display_name, created_at=note.created_at)


@router.post(f"{BASE}/recompute", response_model=RecomputeOut)
def recompute(program_id: ObjectId, user: ApiUser, session: DbSession) -> RecomputeOut:
    """Score every pair under way now (the daily job and held meetings do this on their own)."""
    program = program_for(session, user, program_id, Action.VIEW_HEALTH)
    return RecomputeOut(scored=service.recompute_program(session, program))
