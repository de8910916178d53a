"""API shapes of the mentees' pulse: the open period and an answer to it."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mentorloom.web.inputs import InputModel


class PulseIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    score: int = Field(ge=1, le=5, description="How is it going? 1 (badly) to 5 (very well)")
    stuck: bool = Field(default=False, description="I'm stuck on something: tells the mentor (only the mentor)")
    text: str = Field(default="", max_length=1000, description="A line for the mentor; kept only when stuck")


class PulseOut(BaseModel):
    period: int = Field(description="The pulse round since the pair started (1, 2, ...)")
    opened_at: datetime
    next_at: datetime = Field(description="When the next round opens")
    answered: bool
    score: int | None
    stuck: bool
    text: str = Field(description="Your line to your mentor (only you and your mentor read it)")
