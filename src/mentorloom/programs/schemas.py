"""Program input/output and the validated settings document."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from mentorloom.dates import TypedDate
from mentorloom.programs.models import Cadence, Role
from mentorloom.web.inputs import InputModel


class MatchingWeights(InputModel):
    """Relative weights of the matching criteria; value similarity weighs most (Eby et al. 2013).

    `preference` is the share of the remaining gap to 100 that a mentee's "prefer" closes.
    """

    model_config = ConfigDict(extra="forbid")

    # the engine's defaults (matching.engine.features.Weights, which says why); a test keeps them in step
    values: float = Field(default=0.30, ge=0, le=1)
    text: float = Field(default=0.25, ge=0, le=1, description="meaning of goals and bios")
    expertise: float = Field(default=0.20, ge=0, le=1)
    interests: float = Field(default=0.15, ge=0, le=1)
    time: float = Field(default=0.10, ge=0, le=1, description="weekly availability overlap")
    preference: float = Field(default=0.30, ge=0, le=1)

    @model_validator(mode="after")
    def _some_weight(self) -> MatchingWeights:
        if self.expertise + self.values + self.interests + self.text + self.time <= 0:
            raise ValueError("at least one criterion weight must be positive")
        return self


class HealthWeights(InputModel):
    """Points each health component can take off the score of 100 (see health.score; README "Program health")."""

    model_config = ConfigDict(extra="forbid")

    cadence: int = Field(default=35, ge=0, le=100, description="meetings held against the agreed cadence")
    feedback: int = Field(default=15, ge=0, le=100, description="meeting feedback level and trend")
    reviews: int = Field(default=15, ge=0, le=100, description="periodic reviews: level, differences, unanswered")
    goals: int = Field(default=15, ge=0, le=100, description="goal progress against elapsed time")
    engagement: int = Field(default=10, ge=0, le=100, description="messages, links, milestones, kudos")
    agreement: int = Field(default=10, ge=0, le=100, description="agreement confirmed by both")


class HealthSettings(InputModel):
    """How the health score is weighed and banded, the mentees' pulse and automatic conclusion after silence."""

    model_config = ConfigDict(extra="forbid")

    weights: HealthWeights = Field(default_factory=HealthWeights)
    healthy_from: int = Field(default=75, ge=1, le=100, description="scores from here are healthy")
    at_risk_below: int = Field(default=50, ge=0, le=99, description="scores below this are at risk")
    # A pair without a held meeting for this many agreed intervals is at risk whatever else goes well:
    # a monthly pair crosses at 53 days, where peer products flag pairs (45-60 days).
    at_risk_gap_factor: float = Field(default=1.75, ge=1.0, le=6.0)
    # ... and never before this many days: a weekly pair that skipped one meeting is not at risk yet.
    at_risk_gap_min_days: int = Field(default=21, ge=0, le=180)
    # Early endings hurt most in the first months (Grossman & Rhodes 2002): warning signs count more then.
    new_pair_months: int = Field(default=3, ge=0, le=24)
    new_pair_factor: float = Field(default=1.5, ge=1.0, le=3.0)
    pulse_enabled: bool = False
    pulse_every_weeks: int = Field(default=2, ge=1, le=4)
    auto_conclude_days: int | None = Field(default=None, ge=30, le=730, description="off by default; 90 suggested")

    @field_validator("at_risk_below")
    @classmethod
    def _bands_in_order(cls, value: int, info: ValidationInfo) -> int:
        # A field rule rather than a model rule, so the form shows the message at the field to change.
        healthy_from = info.data.get("healthy_from")
        if healthy_from is not None and value >= healthy_from:
            raise ValueError("at_risk_below must be lower than healthy_from")
        return value


# Keys programs may still have stored, no longer read: the video room now comes from MENTORLOOM_VIDEO_BASE_URL.
RETIRED_SETTINGS = frozenset({"video_url_template"})


class ProgramSettings(InputModel):
    """Settings later features read; stored as JSON, validated on every write."""

    model_config = ConfigDict(extra="forbid")

    matching_weights: MatchingWeights = Field(default_factory=MatchingWeights)
    matching_mode: Literal["optimal", "stable"] = "optimal"
    maximise_matched: bool = True
    # Proposals below this fit (0..100) are marked weak in the review and need a confirmation before publishing.
    min_proposal_score: int = Field(default=40, ge=0, le=100)
    exclude_same_department: bool = False
    request_expiry_days: int = Field(default=7, ge=1, le=60)
    max_open_requests: int = Field(default=3, ge=1, le=10)
    review_interval_weeks: int = Field(default=12, ge=2, le=52)
    # A pair is overdue when no meeting was held for this many times its agreed interval.
    overdue_factor: float = Field(default=1.5, ge=1.0, le=4.0)
    health: HealthSettings = Field(default_factory=HealthSettings)
    # Months after a mentorship ended before its free texts are anonymised (privacy.retention); 0 keeps them.
    retention_months: int = Field(
        default=24, ge=0, le=240, description="anonymise ended mentorships after this many months; 0 = never"
    )

    @model_validator(mode="before")
    @classmethod
    def _drop_retired(cls, data: Any) -> Any:
        """Settings stored before a key was retired still load (and the next save drops it)."""
        if isinstance(data, dict) and RETIRED_SETTINGS & data.keys():
            data = {key: value for key, value in data.items() if key not in RETIRED_SETTINGS}
        return data


class ProgramIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=4000)
    language: Literal["de", "en"] = "en"
    default_cadence: Cadence = Cadence.MONTHLY
    duration_months: int = Field(default=12, ge=1, le=60)
    starts_on: TypedDate | None = None
    ends_on: TypedDate | None = None
    settings: ProgramSettings = Field(default_factory=ProgramSettings)

    @model_validator(mode="after")
    def _ends_after_start(self) -> ProgramIn:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        return self


class ProgramOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str
    language: str
    default_cadence: Cadence
    duration_months: int
    starts_on: date | None
    ends_on: date | None
    settings: ProgramSettings
    created_at: datetime
    my_role: Role | None = None


class InvitationIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    email: str = Field(min_length=3, max_length=254)
    name: str = Field(min_length=1, max_length=120)
    role: Role


class InvitationOut(BaseModel):
    """What an invitation answers: the membership and what the coordinator sent, nothing about an existing account."""

    id: int = Field(description="The new membership")
    email: str
    name: str = Field(description="The name as sent; an existing account keeps its own")
    role: Role


class MembershipOut(BaseModel):
    id: int
    user_id: int
    email: str
    name: str
    role: Role
    invitation_pending: bool
