"""API shapes of celebrations: the pair's milestones, their consent to the program feed, kudos and the feed."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from mentorloom.dates import TypedDate
from mentorloom.mentorships.models import Side
from mentorloom.web.inputs import InputModel


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class MilestoneIn(_In):
    title: str = Field(min_length=1, max_length=200)
    goal_key: str | None = Field(default=None, max_length=32, description="Key of an agreed goal of the pair")
    target_on: TypedDate | None = Field(default=None, description="When you want to reach it")


class MilestonePatchIn(_In):
    """Only the fields given change; a reached milestone answers 409."""

    title: str | None = Field(default=None, min_length=1, max_length=200)
    goal_key: str | None = Field(default=None, max_length=32, description="null or empty: no goal")
    target_on: TypedDate | None = None


class ReachIn(_In):
    note: str = Field(default="", max_length=2000, description="What you want to remember about it")


class MilestoneOut(BaseModel):
    id: int
    code: str | None = Field(description="Automatic milestones: a stable code (first_meeting, months_6, goal:<key>, …)")
    title: str = Field(description="In the caller's language for automatic milestones")
    goal_key: str | None
    target_on: date | None
    reached: bool
    reached_at: datetime | None
    note: str
    automatic: bool


class SharingIn(_In):
    share: bool = Field(description="Whether you agree that your pair's celebrations appear in the program feed")


class SharingOut(BaseModel):
    mine: bool = Field(description="Your own choice")
    partner: bool = Field(description="Your partner's choice")
    shown_in_feed: bool = Field(description="Both agreed: reached milestones appear in the program feed")


class KudosIn(_In):
    text: str = Field(min_length=1, max_length=500)
    shared: bool = Field(default=False, description="Also show it in the program's celebration feed")


class KudosShareIn(_In):
    shared: bool


class KudosOut(BaseModel):
    id: int
    text: str
    shared: bool
    from_side: Side | None = Field(description="null: from the program's coordination")
    author: str | None
    mine: bool = Field(description="You wrote it (you may share, unshare or delete it)")
    created_at: datetime


class FeedItemOut(BaseModel):
    kind: str = Field(description="milestone or kudos")
    id: int
    at: datetime
    title: str
    text: str
    pair: str | None = Field(description="The two people's names, only where both agreed to share")
    from_coordination: bool


class FeedOut(BaseModel):
    items: list[FeedItemOut]
    total: int
    page: int
    per_page: int
    pages: int
