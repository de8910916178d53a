"""API shapes of mentorships: lifecycle, agreement and goals, reviews, fit check, retrospectives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mentorloom.dates import TypedDate
from mentorloom.mentorships.models import (
    AgreementStatus,
    Channel,
    ClosureReason,
    GoalStatus,
    MeetingFormat,
    MentorshipSource,
    MentorshipStatus,
    ResponseTime,
    Side,
)
from mentorloom.programs.models import Cadence
from mentorloom.web.inputs import InputModel

LockVersion = Annotated[int, Field(description="The lock_version you read; a stale one answers 409")]


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# --- lifecycle --------------------------------------------------------------------------------------


class MentorshipIn(_In):
    mentor_id: int = Field(description="Membership id of a mentor of this program")
    mentee_id: int = Field(description="Membership id of a mentee of this program")


class ReasonIn(_In):
    reason: str = Field(default="", max_length=1000, description="Private to the pair")


class EndEarlyIn(_In):
    closure_reason: ClosureReason
    note: str = Field(default="", max_length=1000, description="Private to the pair")
    rematch: bool = Field(default=True, description="Offer the mentee a new match")


class RenewIn(_In):
    note: str = Field(default="", max_length=2000)


class PlannedEndIn(_In):
    planned_end_on: TypedDate


class PersonOut(BaseModel):
    membership_id: int
    name: str


class MentorshipOut(BaseModel):
    id: int
    program_id: int
    status: MentorshipStatus
    source: MentorshipSource
    cycle: int
    mentor: PersonOut
    mentee: PersonOut
    created_at: datetime
    started_at: datetime | None
    cycle_started_at: datetime | None
    planned_end_on: date | None
    ended_at: datetime | None
    closure_reason: ClosureReason | None
    rematch_requested: bool
    rematch_priority: bool


class TransitionOut(BaseModel):
    from_status: MentorshipStatus
    to_status: MentorshipStatus
    action: str
    by: str | None = Field(description="Who did it; null when the program did (e.g. after the fit check)")
    at: datetime
    reason: str | None = Field(description="The pair's own words; null for coordinators")
    closure_reason: ClosureReason | None
    rematch_requested: bool


# --- agreement and goals ----------------------------------------------------------------------------


class ChecklistOut(BaseModel):
    confidentiality: bool
    preferred_channel: Channel
    expected_response_time: ResponseTime
    feedback_style: str


class SideTermsOut(BaseModel):
    expectations: str
    checklist: ChecklistOut


class GoalOut(BaseModel):
    key: str = Field(description="Stable across agreement versions and cycles")
    title: str
    description: str
    success_criteria: str
    target_date: date | None
    skills: list[str]
    lock_version: int
    agreed: bool = Field(description="Part of a confirmed version: changes need a reason")
    status: GoalStatus
    progress: int
    progress_updated_at: datetime | None


class AgreementOut(BaseModel):
    id: int
    cycle: int
    version: int
    status: AgreementStatus
    in_force_version: int | None = Field(description="The newest version both confirmed")
    cadence: Cadence
    format: MeetingFormat
    planned_months: int
    mentor: SideTermsOut
    mentee: SideTermsOut
    note: str
    created_at: datetime
    updated_at: datetime
    confirmed_by_mentor_at: datetime | None
    confirmed_by_mentee_at: datetime | None
    lock_version: int
    goals: list[GoalOut]


class AgreementStatusOut(BaseModel):
    """What a coordinator sees of the agreement: its state, not its words."""

    cycle: int
    version: int
    status: AgreementStatus
    in_force_version: int | None
    cadence: Cadence
    format: MeetingFormat
    planned_months: int
    goal_count: int
    confirmed_by_mentor: bool
    confirmed_by_mentee: bool


class AgreementPatchIn(_In):
    """Shared fields, and the caller's own expectations and checklist; omitted fields stay as they are."""

    lock_version: LockVersion
    cadence: Cadence | None = None
    format: MeetingFormat | None = None
    planned_months: int | None = Field(default=None, ge=1, le=60)
    expectations: str | None = Field(default=None, max_length=2000, description="Your expectations and needs")
    confidentiality: bool | None = None
    preferred_channel: Channel | None = None
    expected_response_time: ResponseTime | None = None
    feedback_style: str | None = Field(default=None, max_length=500, description="How you like feedback given")
    note: str | None = Field(default=None, max_length=2000, description="Why this version changes")


class LockIn(_In):
    lock_version: LockVersion


class NewVersionIn(_In):
    lock_version: LockVersion
    note: str = Field(default="", max_length=2000, description="Why the agreement is re-opened")


class DiffEntry(BaseModel):
    field: str = Field(description="An agreement field, `goals.<key>` (added/removed) or `goals.<key>.<field>`")
    before: Any
    after: Any


class DiffOut(BaseModel):
    cycle: int
    from_version: int
    to_version: int
    changes: list[DiffEntry]


class GoalIn(_In):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=2000)
    success_criteria: str = Field(default="", max_length=1000)
    target_date: TypedDate | None = None
    skills: list[str] = Field(default_factory=list, max_length=10, description="Skill tags this goal develops")


class GoalPatchIn(_In):
    lock_version: LockVersion
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    success_criteria: str | None = Field(default=None, max_length=1000)
    target_date: TypedDate | None = None
    skills: list[str] | None = Field(default=None, max_length=10)
    reason: str | None = Field(default=None, max_length=500, description="Required once the goal was agreed")


class GoalRevisionIn(GoalPatchIn):
    reason: str = Field(min_length=1, max_length=500, description="Why the goal changes")


class ProgressIn(_In):
    progress: int | None = Field(default=None, ge=0, le=100)
    status: GoalStatus | None = None
    note: str = Field(default="", max_length=1000)


class ProgressOut(BaseModel):
    id: int
    goal_key: str
    status: GoalStatus
    progress: int
    note: str
    by: str | None
    created_at: datetime


class TimelineOut(BaseModel):
    at: datetime
    kind: Literal["added", "revised", "status"]
    goal_key: str
    title: str
    by: str | None
    reason: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    status: GoalStatus | None


# --- reviews, fit check, retrospectives --------------------------------------------------------------


class StatementOut(BaseModel):
    key: str
    text: str


class ReviewDueOut(BaseModel):
    due: bool
    period: int = Field(description="The review round open now; 0 before the first one opens")
    opened_at: datetime | None
    next_opens_at: datetime | None
    answered: bool
    interval_weeks: int
    statements: list[StatementOut]


class ReviewIn(_In):
    scores: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(description="Every statement key → 1..5")
    change_suggestion: str = Field(default="", max_length=2000, description="What should we change?")
    shared_with_partner: bool = False


class ReviewOut(BaseModel):
    period: int
    side: Side
    shared_with_partner: bool
    change_suggestion: str
    submitted_at: datetime
    scores: dict[str, int]


class ComparedStatement(BaseModel):
    statement: str
    text: str
    mentor: int
    mentee: int
    difference: int
    differs: bool = Field(description="The scores are two or more apart")


class ComparisonOut(BaseModel):
    available: bool = Field(description="False until both of you shared a round")
    period: int | None
    items: list[ComparedStatement]
    suggestions: dict[Side, str]


class SuggestionIn(_In):
    period: int = Field(ge=1)
    side: Side = Field(description="Whose suggestion: your own, or your partner's shared one")


class StatementSummaryOut(BaseModel):
    statement: str
    text: str
    count: int
    mean: float | None = Field(description="Null below `min_count_for_mean` answers")


class ReviewSummaryOut(BaseModel):
    """The figures last released: they move only after `release_batch` new or changed answers."""

    program_id: int
    released_at: datetime | None = Field(description="Null until the first batch of answers is released")
    release_batch: int = Field(description="New or changed answers needed before the figures move")
    release_gap_days: int = Field(description="Days at least between two releases")
    min_count_for_mean: int
    statements: list[StatementSummaryOut]


class FitCheckIn(_In):
    fits: bool = Field(description="Does the match feel right? Private: your partner never sees it")


class FitCheckOut(BaseModel):
    due: bool
    opened: bool
    my_answer: bool | None
    passed: bool


class RetrospectiveIn(_In):
    what_worked: str = Field(default="", max_length=2000)
    what_we_learned: str = Field(default="", max_length=2000)
    what_next: str = Field(default="", max_length=2000)


class RetrospectiveOut(BaseModel):
    cycle: int
    side: Side
    what_worked: str
    what_we_learned: str
    what_next: str
    updated_at: datetime


# --- the two views of one mentorship ----------------------------------------------------------------


class ActivityOut(BaseModel):
    at: datetime
    kind: str
    text: str
    by: str | None


class PairHomeOut(BaseModel):
    """The pair's home: everything the two of them share (later issues add meetings, messages, milestones)."""

    view: Literal["pair"] = "pair"
    mentorship: MentorshipOut
    my_side: Side
    actions: list[str]
    notice: str | None
    partner_erased: bool = Field(
        default=False, description="The partner's account was removed; the program coordination will get in touch"
    )
    agreement: AgreementOut | None
    review: ReviewDueOut
    fit_check: FitCheckOut
    retrospectives: list[RetrospectiveOut]
    activity: list[ActivityOut]


class CoordinatorViewOut(BaseModel):
    """A coordinator's view: state, history and agreement status, never private answers or notes."""

    view: Literal["coordinator"] = "coordinator"
    mentorship: MentorshipOut
    actions: list[str]
    transitions: list[TransitionOut]
    agreement: AgreementStatusOut | None
    review: ReviewDueOut


MentorshipView = Annotated[PairHomeOut | CoordinatorViewOut, Field(discriminator="view")]
