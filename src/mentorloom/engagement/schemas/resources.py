"""API shapes of shared resources and the program library."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from mentorloom.web.inputs import InputModel

URL_HELP = (
    "An absolute http:// or https:// URL with a host (no user name or password, no spaces); at most 2000 characters. "
    "The server never fetches it."
)


class ResourceIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(max_length=2000, description=URL_HELP, examples=["https://example.org/salary-negotiation"])
    title: str = Field(min_length=1, max_length=200)
    why: str = Field(default="", max_length=2000, description="Why it matters")
    goal_key: str | None = Field(
        default=None, max_length=32, description="One of the pair's agreed goals (pair resources only)"
    )
    tags: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="At most 10 after trimming, lower-casing and removing duplicates; each at most 50 characters",
    )


class ResourcePatch(InputModel):
    """Only the fields given change."""

    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, max_length=2000, description=URL_HELP)
    title: str | None = Field(default=None, min_length=1, max_length=200)
    why: str | None = Field(default=None, max_length=2000)
    goal_key: str | None = Field(default=None, max_length=32, description="An empty string removes the goal")
    tags: list[str] | None = Field(default=None, max_length=50)


class ResourceOut(BaseModel):
    id: int
    url: str
    title: str
    why: str
    goal_key: str | None
    goal_title: str | None = None
    tags: list[str]
    library: bool = Field(description="A program library item (else a pair's own link)")
    mentorship_id: int | None
    shared_by: str | None = Field(default=None, description="Display name of the person who shared it")
    mine: bool = Field(default=False, description="You shared it (you may edit and delete it)")
    created_at: datetime
    updated_at: datetime


class TagCount(BaseModel):
    tag: str
    count: int


class ResourcePageOut(BaseModel):
    items: list[ResourceOut]
    total: int
    page: int
    per_page: int
    pages: int
    tags: list[TagCount] = Field(description="Tag facets: each tag of what the text query matched, with its count")
