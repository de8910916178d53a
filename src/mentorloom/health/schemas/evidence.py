"""API shapes of the evidence on matching criteria: hazard ratios of early ending, the suggestion, applying it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from mentorloom.web.inputs import InputModel

# A weight as the program settings allow it; the keys are the matching weights' (five criteria and preference).
Weight = Annotated[float, Field(ge=0, le=1, allow_inf_nan=False)]
Weights = Annotated[dict[Annotated[str, Field(max_length=20)], Weight], Field(max_length=10)]


class EffectOut(BaseModel):
    criterion: str = Field(description="expertise, values, interests, text or time")
    label: str = Field(description="The criterion's name in the reader's language")
    hazard_ratio: float = Field(description="Hazard of early ending per 0.1 more score (below 1: fewer early endings)")
    ci_low: float = Field(description="Lower end of the 95% confidence interval of the hazard ratio")
    ci_high: float = Field(description="Upper end of the 95% confidence interval of the hazard ratio")
    p_value: float
    evidence: bool = Field(description="Whether the interval excludes 1; only then does the suggestion use it")
    direction: Literal["fewer", "more", "unclear"] = Field(description="Higher scores went with fewer or more endings")
    sentence: str = Field(description="The effect in plain words, in the reader's language")


class WeightChangeOut(BaseModel):
    id: int
    applied_at: datetime
    by_user_id: int | None
    by: str | None = Field(description="Display name of who applied it (null once the account is gone)")
    before: dict[str, float]
    after: dict[str, float]


class EvidenceOut(BaseModel):
    status: Literal["not_enough", "enough", "no_fit"] = Field(
        description="not_enough: fewer early endings than `minimum`, nothing is fitted; no_fit: the model failed"
    )
    pairs: int = Field(description="Matched pairs that started (pairs made by hand have no match-time scores)")
    early_endings: int
    censored: int = Field(description="Pairs completed or still under way")
    minimum: int = Field(description="Early endings needed before anything is fitted or shown")
    median_months: float | None = Field(description="Median observed time of the pairs in months")
    effects: list[EffectOut] = Field(description="One per criterion fitted; empty below the minimum")
    left_out: list[str] = Field(description="Criteria whose scores barely vary, so they cannot show anything")
    weights_before: dict[str, float] = Field(description="The program's matching weights now")
    weights_after: dict[str, float] = Field(description="The suggested weights (empty below the minimum)")
    changes: bool = Field(description="Whether the suggestion moves any weight")
    new_early_endings_needed: int = Field(
        description="After an applied change: early endings still needed before the next suggestion (0: none)"
    )
    association_note: str = Field(description="The findings are associations, not causes")
    last_change: WeightChangeOut | None


class ApplyIn(InputModel):
    """The weights the caller saw: the change goes through only while they are still what the program has
    (`before`) and what the evidence suggests now (`after`); otherwise 409."""

    before: Weights = Field(description="The matching weights as shown (weights_before)")
    after: Weights = Field(description="The suggestion as shown (weights_after)")
