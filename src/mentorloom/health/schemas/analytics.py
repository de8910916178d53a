"""API shapes of program analytics and retention: aggregates only, every count as {value, suppressed}."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import BaseModel, Field

CELL_NOTE = "null with suppressed=true when 1 to 4, or when it would give such a cell away by subtraction"


class CellOut(BaseModel):
    value: int | None = Field(description=f"The count; {CELL_NOTE}")
    suppressed: bool


class RangeOut(BaseModel):
    from_: str = Field(alias="from", description="First day, ISO 8601")
    to: str = Field(description="Last day (included), ISO 8601")


class SummaryOut(BaseModel):
    mentors: CellOut = Field(description="Mentors in the program by the range's last day")
    mentees: CellOut = Field(description="Mentees in the program by the range's last day")
    joined: CellOut = Field(description="Mentees who joined during the range")
    matched: CellOut = Field(description="... of whom a mentorship has started")
    waiting: CellOut = Field(description="... of whom none has started yet")
    match_rate: float | None = Field(description="matched / joined in percent; null when a count is hidden")
    median_days_to_match: float | None = Field(description="Joining to first mentorship; from 5 matched mentees on")
    pairs_under_way: CellOut = Field(description="Pairs under way at some time in the range")
    meetings_held: CellOut = Field(description="Meetings held in the range")
    held_per_pair_month: float | None = Field(description="Meetings held per pair and month; from 5 pairs on")
    agreed_per_pair_month: float | None = Field(description="Meetings the agreed rhythms ask for per pair and month")
    feedback_answers: CellOut = Field(description="Feedback answers not kept private, on meetings in the range")
    feedback_average: float | None = Field(description="Mean usefulness 1-5; from 5 answers on")
    goals_set: CellOut
    goals_achieved: CellOut
    goals_open: CellOut
    goal_completion: float | None = Field(description="goals achieved / set in percent")
    milestones_reached: CellOut = Field(description="Milestones reached in the range")
    ended_early: CellOut = Field(description="Pairs that ended early in the range")


class MonthMeetingsOut(BaseModel):
    month: str = Field(description="YYYY-MM")
    pairs: CellOut = Field(description="Pairs under way during the month")
    held: CellOut = Field(description="Meetings held")
    held_per_pair: float | None
    agreed_per_pair: float | None


class EndingOut(BaseModel):
    reason: str = Field(description="goals_achieved, lack_of_time, mismatch, life_circumstances, other or not_given")
    pairs: CellOut


class CohortOut(BaseModel):
    month: str = Field(description="Start month, YYYY-MM")
    started: CellOut
    under_way: CellOut = Field(description="Active, paused or completing today")
    completed: CellOut
    ended_early: CellOut


class AnalyticsOut(BaseModel):
    range: RangeOut
    min_cell: int = Field(description="Counts below this (from 1) are hidden; averages need this many answers")
    summary: SummaryOut
    meetings: list[MonthMeetingsOut]
    endings: list[EndingOut]
    cohorts: list[CohortOut]


class PointOut(BaseModel):
    month: float = Field(description="Months since the start")
    retention: float = Field(description="Share of pairs that have not ended early (Kaplan-Meier)")
    lower: float = Field(description="Lower end of the 95 % confidence interval")
    upper: float = Field(description="Upper end of the 95 % confidence interval")


class HorizonOut(BaseModel):
    months: int
    retention: float | None = Field(description="null: no pair of the group has been watched that long yet")
    lower: float | None
    upper: float | None


class CurveOut(BaseModel):
    key: str = Field(description="'all' or a start quarter such as 2025-Q1")
    pairs: CellOut
    ended_early: CellOut
    retention_at: list[HorizonOut]
    points: list[PointOut]


class RetentionOut(BaseModel):
    range: RangeOut
    min_cell: int = Field(description="Groups with fewer pairs are not shown")
    overall: CurveOut | None = Field(description="null below min_cell pairs")
    cohorts: list[CurveOut]
    cohorts_hidden: bool = Field(description="Whether some start quarters were left out for having too few pairs")


# The date range's query parameters, shared by the pages, their exports and the API (checked by ranges.parse_range).
From = Annotated[str, Query(alias="from", max_length=20, description="First day (default: see the endpoint)")]
To = Annotated[str, Query(max_length=20, description="Last day, included (default: today)")]
TableName = Annotated[str, Query(max_length=20, description="Which table to export")]
