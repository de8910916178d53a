"""API shapes of matching runs, proposals, preferences and requests."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mentorloom.matching.models import ProposalStatus, RequestStatus, Response, RunStatus
from mentorloom.web.api_common import MAX_ID
from mentorloom.web.inputs import InputModel


class RunIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    mode: Literal["optimal", "stable"] | None = Field(default=None, description="Default: the program's setting")


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    program_id: int
    mode: str
    status: RunStatus
    progress: int
    stats: dict[str, Any]
    error: str
    created_at: datetime
    finished_at: datetime | None
    published_at: datetime | None


class ProposalOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    run_id: int
    mentee_id: int
    mentor_id: int | None
    status: ProposalStatus
    score: float | None
    rank: int
    criteria: dict[str, float]
    facts: list[dict[str, Any]]
    explanation: list[str] = Field(default_factory=list, description="The facts in plain words")
    unmatched_reason: str
    mentee_response: Response | None
    mentor_response: Response | None
    decline_reason: str


class SwapIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    other_id: int = Field(ge=1, le=MAX_ID)


class AnswerIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    answer: Response
    reason: str = Field(default="", max_length=500)


class PreferencesIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    prefer: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=10, description="Mentor membership ids (mentees only)"
    )
    avoid: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=20, description="Membership ids of the other side"
    )


class AvoidListIn(InputModel):
    """Whom one participant must not be matched with (kept by them or the program's coordinators)."""

    model_config = ConfigDict(extra="forbid")

    avoid: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        default_factory=list, max_length=20, description="Membership ids of the other side"
    )


class CandidateOut(BaseModel):
    mentor_id: int
    name: str
    score: float
    criteria: dict[str, float]
    facts: list[dict[str, Any]]
    explanation: list[str]


class RequestIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    mentor_id: int = Field(ge=1, le=MAX_ID)
    message: str = Field(default="", max_length=2000)


class RequestAnswerIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(default="", max_length=1000)


class RequestOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    mentee_id: int
    mentor_id: int = Field(ge=1, le=MAX_ID)
    message: str
    status: RequestStatus
    response_note: str
    created_at: datetime
    expires_at: datetime
    responded_at: datetime | None
