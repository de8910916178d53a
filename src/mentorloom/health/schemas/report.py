"""API shapes of the relationship report: one row per pair, counts only."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

from mentorloom.health import report


class ReportRowOut(BaseModel):
    mentorship_id: int
    mentor: str
    mentee: str
    status: str
    started_at: datetime | None
    last_meeting_at: datetime | None = Field(description="The latest held meeting")
    meetings_held: int = Field(description="Held meetings since the current cycle began")
    meetings_agreed: int = Field(description="Elapsed days of the cycle divided by the agreed rhythm's days")
    cadence: str
    goals_set: int
    goals_achieved: int
    messages: int = Field(description="Messages exchanged (a count; no message is ever shown)")
    feedback_average: float | None = Field(
        description="Mean usefulness of feedback not kept private; null below 5 such answers of the pair"
    )
    band: str | None = Field(description="healthy, attention or at_risk; null when not scored")


# The filter's query parameters, shared by the page, its exports and the API.
Status = Annotated[str, Query(max_length=20, description="active, paused, completing, completed, ended_early or all")]
Band = Annotated[str, Query(max_length=20, description="healthy, attention or at_risk")]
QuietDays = Annotated[int | None, Query(ge=1, le=report.MAX_QUIET_DAYS, description="No meeting held for more days")]
Search = Annotated[str, Query(max_length=report.MAX_QUERY, description="Part of the mentor's or mentee's name")]


def report_filter(status: str, band: str, quiet_days: int | None, q: str) -> report.ReportFilter:
    """The filter from query parameters, or a refusal naming the field."""
    return report.ReportFilter(status=status or "active", band=band, quiet_days=quiet_days, q=q.strip()).checked()
