"""API shapes of the coordinator dashboard: band counts, the at-risk list with reasons, a pair's health, notes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from mentorloom.web.inputs import InputModel

BandName = Literal["healthy", "attention", "at_risk"]


class BandCountsOut(BaseModel):
    healthy: int
    attention: int
    at_risk: int
    total: int = Field(description="Pairs under way with a score")
    computed_at: datetime | None = Field(description="The latest recompute; null before the first")


class ReasonOut(BaseModel):
    component: str = Field(description="cadence, feedback, reviews, goals, engagement, agreement or partner")
    code: str = Field(
        description="A stable code, e.g. meeting_gap, feedback_collapsed, review_strain; partner_erased (always first):"
        " a partner's account was erased"
    )
    points: float = Field(description="Points this component took off 100")
    text: str = Field(description="The reason in the reader's language (counts and days only)")


class ComponentOut(BaseModel):
    component: str
    weight: int = Field(description="The most points this component can take off")
    points: float
    code: str
    params: dict[str, int | str] = Field(description="The counts behind the reason (days, cadence, missing …)")


class FlaggedPairOut(BaseModel):
    mentorship_id: int
    mentor: str
    mentee: str
    score: int = Field(ge=0, le=100)
    band: BandName
    urgency: float = Field(description="Sort key of the list, most urgent first")
    flagged_since: datetime | None
    reasons: list[ReasonOut]
    last_nudge_at: datetime | None
    may_nudge: bool = Field(description="False within a week of the last nudge")


class FlaggedListOut(BaseModel):
    band: Literal["", "attention", "at_risk"] = Field(description="The band filter; empty: both")
    total: int
    page: int
    pages: int
    items: list[FlaggedPairOut]


class NoteOut(BaseModel):
    id: int
    text: str
    author: str | None
    created_at: datetime


class PairHealthOut(BaseModel):
    mentorship_id: int
    mentor: str
    mentee: str
    score: int | None = Field(description="Null when the pair is not under way")
    band: BandName | None
    flagged_since: datetime | None
    components: list[ComponentOut]
    reasons: list[ReasonOut]
    notes: list[NoteOut]
    last_nudge_at: datetime | None
    may_nudge: bool


class NudgeOut(BaseModel):
    id: int
    mentorship_id: int
    sent_at: datetime


class NoteIn(InputModel):
    text: str = Field(min_length=1, max_length=2000)


class RecomputeOut(BaseModel):
    scored: int = Field(description="Pairs under way that were scored")
