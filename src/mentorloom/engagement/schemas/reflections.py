"""API shapes of reflections: a challenge, what happened, what we learned, what we'll do differently."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mentorloom.engagement.models import ReflectionVisibility
from mentorloom.mentorships.models import Side
from mentorloom.web.inputs import InputModel


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReflectionIn(_In):
    challenge: str = Field(min_length=1, max_length=500, description="The challenge or mistake")
    what_happened: str = Field(default="", max_length=4000)
    learned: str = Field(default="", max_length=4000, description="What we learned")
    next_time: str = Field(default="", max_length=4000, description="What we will do differently")
    goal_key: str | None = Field(default=None, max_length=32, description="An agreed goal of the pair")
    meeting_id: int | None = Field(default=None, ge=1, description="A meeting of the pair")
    visibility: ReflectionVisibility = Field(
        default=ReflectionVisibility.PRIVATE, description="private: only you; partner: both of you"
    )


class ReflectionPatchIn(_In):
    """Only the fields given change (the author only)."""

    challenge: str | None = Field(default=None, min_length=1, max_length=500)
    what_happened: str | None = Field(default=None, max_length=4000)
    learned: str | None = Field(default=None, max_length=4000)
    next_time: str | None = Field(default=None, max_length=4000)
    goal_key: str | None = Field(default=None, max_length=32)
    meeting_id: int | None = Field(default=None, ge=1)
    visibility: ReflectionVisibility | None = None


class ReflectionOut(BaseModel):
    id: int
    challenge: str
    what_happened: str
    learned: str
    next_time: str
    goal_key: str | None
    meeting_id: int | None
    visibility: ReflectionVisibility
    author_side: Side
    mine: bool
    created_at: datetime
    updated_at: datetime


class LessonsOut(BaseModel):
    text: str = Field(description="The shared lessons as plain text, for the closing retrospective")
    count: int
