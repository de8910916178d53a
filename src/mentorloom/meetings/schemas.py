"""API shapes of meetings: the series, single meetings, what happens in them, feedback and the calendar feed."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from mentorloom.dates import TypedDate, typed_time
from mentorloom.meetings.models import FeedbackVisibility, MeetingStatus
from mentorloom.mentorships.models import MeetingFormat, Side
from mentorloom.programs.models import Cadence
from mentorloom.web.inputs import InputModel

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$"


def _typed_time(value: object) -> object:
    return typed_time(value) if isinstance(value, str) else value


LocalTime = Annotated[
    str, BeforeValidator(_typed_time), Field(pattern=HHMM, description="Local time of day, HH:MM", examples=["18:30"])
]


def _local_moment(value: str) -> str:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError("use YYYY-MM-DDTHH:MM, local time without offset") from None
    if parsed.tzinfo is not None:
        raise ValueError("give the local time without offset and the zone in `timezone`")
    if not 2000 <= parsed.year <= 2200:
        raise ValueError("the year must lie between 2000 and 2200")
    return value


LocalMoment = Annotated[
    str,
    Field(max_length=25, description="Local date and time without offset", examples=["2027-03-02T18:30"]),
    AfterValidator(_local_moment),
]
Zone = Annotated[str, Field(min_length=1, max_length=64, description="IANA time zone", examples=["Europe/Berlin"])]


class _In(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class DetailsIn(_In):
    duration_minutes: int = Field(default=60, ge=15, le=480)
    format: MeetingFormat = MeetingFormat.VIDEO
    location: str = Field(default="", max_length=300, description="The place, for meetings in person")


class SeriesIn(DetailsIn):
    cadence: Cadence | None = Field(default=None, description="Defaults to the agreement's cadence")
    weekday: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    local_time: LocalTime
    timezone: Zone
    starts_on: TypedDate
    until: TypedDate | None = Field(default=None, description="Defaults to the mentorship's planned end")
    monthly_by: Literal["weekday", "date"] = "weekday"
    week_of_month: int = Field(default=1, ge=-1, le=4, description="Monthly by weekday: 1..4, or -1 for the last")
    day_of_month: int = Field(default=1, ge=1, le=31, description="Monthly by date")
    rrule: str | None = Field(
        default=None, max_length=300, description="An RFC 5545 RRULE of your own instead of the cadence"
    )


class SeriesOut(BaseModel):
    id: int
    cadence: Cadence
    rrule: str
    starts_on: date
    until: date
    local_time: time
    timezone: str
    duration_minutes: int
    format: MeetingFormat
    location: str
    uid: str
    sequence: int
    meetings: int
    agreement_cadence: Cadence | None = Field(description="Differs from `cadence` when the agreement changed it")


class MeetingIn(DetailsIn):
    starts_at: LocalMoment
    timezone: Zone


class MoveIn(_In):
    starts_at: LocalMoment
    timezone: Zone | None = Field(default=None, description="Defaults to the meeting's zone")
    duration_minutes: int | None = Field(default=None, ge=15, le=480)


class OutcomeIn(_In):
    outcome: Literal["held", "missed", "moved"]
    starts_at: LocalMoment | None = Field(default=None, description="For `moved`: when it takes place instead")
    timezone: Zone | None = None


class AgendaIn(_In):
    text: str = Field(min_length=1, max_length=1000)


class NotesIn(_In):
    notes: str = Field(max_length=20000, description="Markdown")
    notes_version: int = Field(ge=0, description="The version you read; a stale one answers 409 with the current")


class PrivateNoteIn(_In):
    text: str = Field(max_length=20000)


class ActionItemIn(_In):
    title: str = Field(min_length=1, max_length=500)
    owner: Side
    due_on: TypedDate | None = None


class ActionDoneIn(_In):
    done: bool


class FeedbackIn(_In):
    usefulness: int = Field(ge=1, le=5)
    went_well: str = Field(default="", max_length=2000)
    to_change: str = Field(default="", max_length=2000)
    visibility: FeedbackVisibility = FeedbackVisibility.PARTNER


class VideoIn(_In):
    video_link: str = Field(default="", max_length=500, description="Empty: the pair's own Jitsi room")


class VideoOut(BaseModel):
    video_url: str
    fixed_link: bool


class AgendaOut(BaseModel):
    id: int
    text: str
    author: str
    mine: bool
    created_at: datetime


class ActionItemOut(BaseModel):
    id: int
    title: str
    owner: Side
    due_on: date | None
    done: bool
    meeting_id: int | None


class FeedbackOut(BaseModel):
    side: Side
    usefulness: int
    went_well: str
    to_change: str
    visibility: FeedbackVisibility


class MeetingOut(BaseModel):
    id: int
    series_id: int | None
    starts_at: datetime
    ends_at: datetime
    timezone: str
    local_start: str = Field(description="The start in the reader's own time zone, ISO 8601 with offset")
    format: MeetingFormat
    location: str
    video_url: str | None
    status: MeetingStatus
    moved: bool
    sequence: int


class MeetingDetailOut(MeetingOut):
    agenda: list[AgendaOut]
    notes: str
    notes_html: str
    notes_version: int
    action_items: list[ActionItemOut]
    open_action_items: list[ActionItemOut] = Field(description="Still open from earlier meetings")
    private_note: str = Field(description="Your own note; nobody else reads it")
    my_feedback: FeedbackOut | None
    partner_feedback: FeedbackOut | None = Field(description="Only when your partner shared it with you")


class SlotTimeOut(BaseModel):
    weekday: int
    time: str
    timezone: str


class SlotOut(BaseModel):
    mentor: SlotTimeOut
    mentee: SlotTimeOut
    fit: float = Field(description="Share of the planned meetings inside both people's windows")
    moved_out: list[dict[str, str]] = Field(description="Dates a daylight-saving change moves out of a window")


class TrendOut(BaseModel):
    meeting_id: int
    starts_at: datetime
    mine: int | None
    partner: int | None


class OverdueOut(BaseModel):
    mentorship_id: int
    overdue: bool
    days_since: int
    allowed_days: int
    last_held_at: datetime | None


class FeedOut(BaseModel):
    active: bool
    created_at: datetime | None
    last_used_at: datetime | None
    url: str | None = Field(default=None, description="Only right after it was made: keep it, it is not shown again")


class MonthFiguresOut(BaseModel):
    month: date = Field(description="First day of a closed calendar month")
    meetings_held: int
    answers: int = Field(description="Feedback answers shared with the partner or the coordinators")
    mean_usefulness: float | None = Field(description="Only from 5 answers on")
