"""API shapes of the pair timeline."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from mentorloom.engagement.timeline import EntryKind


class TimelineEntryOut(BaseModel):
    key: str = Field(description="Unique within the timeline, e.g. `meeting:12`")
    at: datetime
    kind: EntryKind
    title: str
    detail: str = ""
    by: str | None = None
    link: str = Field(default="", description="A page of the app; for a resource the shared http(s) URL")
    external: bool = Field(default=False, description="`link` leads outside the app (a shared resource)")
    private: bool = Field(default=False, description="Only you see this entry (your own private reflection)")


class TimelineOut(BaseModel):
    items: list[TimelineEntryOut]
    total: int
    page: int
    per_page: int
    pages: int
    kinds: list[EntryKind] = Field(description="The kinds included (all when none were asked for)")
