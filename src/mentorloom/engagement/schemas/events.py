"""API shapes of events: an event, inviting people or pairs, an answer (RSVP) and what a reader sees of it."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from mentorloom.engagement.models import EventAudience, RsvpAnswer
from mentorloom.i18n import gettext as _
from mentorloom.meetings.schemas import LocalMoment, Zone
from mentorloom.web.inputs import InputModel

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
LOCATION_MAX = 300
URL_MAX = 500
CAPACITY_MAX = 10_000
INVITE_MAX = 500  # people or pairs in one request


def _hidden_char(value: str) -> bool:
    # whitespace, control, format (zero-width, bidi overrides that turn the shown text around) and separators
    return any(unicodedata.category(ch)[0] in "CZ" for ch in value) or "\\" in value


def _web_link(value: str) -> str:
    """Only http(s) links with a host, as the resources take them: a javascript: or data: link never becomes a
    link on a page, and no user name, bidi override or invisible character makes the link read as another site
    ("https://meet.example.org@evil.example")."""
    if not value:
        return value
    refusal = PydanticCustomError("web_link", _("Enter a web address that starts with https:// or http://."))
    if _hidden_char(value):
        raise refusal
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a port that is no number
    except ValueError:
        raise refusal from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        raise refusal
    return value


WebLink = Annotated[
    str,
    Field(
        default="",
        max_length=URL_MAX,
        description="An http(s) link to join online",
        examples=["https://meet.example.org/x"],
    ),
    AfterValidator(_web_link),
]


class EventIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(default="", max_length=DESCRIPTION_MAX, description="Plain text; line breaks are kept")
    starts_at: LocalMoment
    ends_at: LocalMoment
    timezone: Zone
    location: str = Field(default="", max_length=LOCATION_MAX, description="The place, for events in person")
    online_url: WebLink = ""
    capacity: int | None = Field(default=None, ge=1, le=CAPACITY_MAX, description="Seats; null is unlimited")
    audience: EventAudience = Field(
        default=EventAudience.INVITED,
        description="`program`: everyone in the program is invited (coordinators only); `invited`: the people invited",
    )


class InviteIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    membership_ids: list[int] = Field(default_factory=list, max_length=INVITE_MAX, description="People to invite")
    mentorship_ids: list[int] = Field(
        default_factory=list, max_length=INVITE_MAX, description="Pairs to invite: both people of each"
    )
    whole_program: bool = Field(default=False, description="Invite everyone in the program (coordinators only)")


class RsvpIn(InputModel):
    answer: RsvpAnswer


class RsvpOut(BaseModel):
    answer: RsvpAnswer | None
    seated: bool = Field(description="Has a seat (a yes within the capacity)")
    waiting_position: int | None = Field(description="1 is next in line; null when not waiting")


class CountsOut(BaseModel):
    yes: int = Field(description="People with a seat")
    waiting: int
    maybe: int
    no: int
    invited: int
    seats_left: int | None = Field(description="null: unlimited")


class PersonOut(BaseModel):
    membership_id: int | None
    name: str
    answer: RsvpAnswer | None
    waiting_position: int | None = None


class EventOut(BaseModel):
    id: int
    program_id: int
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    location: str
    online_url: str
    capacity: int | None
    audience: EventAudience
    uid: str
    sequence: int
    cancelled: bool
    created_by_id: int | None
    created_at: datetime


class EventDetailOut(EventOut):
    counts: CountsOut
    my_rsvp: RsvpOut
    may_answer: bool
    may_edit: bool
    people: list[PersonOut] | None = Field(
        description="Who answered or was invited, for coordinators and the event's creator only; null for others"
    )


class InviteOut(BaseModel):
    invited: int = Field(description="People newly invited (and mailed)")
    audience: EventAudience


When = Literal["upcoming", "past"]
