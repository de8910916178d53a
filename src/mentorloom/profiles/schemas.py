"""Profile input/output; the same rules guard the web form, the API and (via csv_format) imports."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from mentorloom.profiles.vocab import LANGUAGE_CODE, TAG_MAX_LENGTH, WORK_VALUES, is_valid_timezone, tag_label
from mentorloom.programs.models import Role
from mentorloom.web.inputs import InputModel

HHMM = r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$"
TagText = Annotated[str, Field(min_length=1, max_length=TAG_MAX_LENGTH)]


class AvailabilityWindow(InputModel):
    model_config = ConfigDict(extra="forbid")

    day: int = Field(ge=0, le=6, description="0 = Monday … 6 = Sunday")
    start: str = Field(pattern=HHMM)
    end: str = Field(pattern=HHMM)

    @model_validator(mode="after")
    def _end_after_start(self) -> AvailabilityWindow:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class SkillLevel(InputModel):
    model_config = ConfigDict(extra="forbid")

    skill: TagText
    level: int = Field(ge=1, le=5, description="1 = basic … 5 = expert")


class SkillWish(InputModel):
    model_config = ConfigDict(extra="forbid")

    skill: TagText
    priority: int = Field(ge=1, le=3, description="1 = most wanted")


class ProfileIn(InputModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=120)
    bio: str = Field(default="", max_length=4000)
    values: list[str] = Field(default_factory=list, max_length=10)
    values_note: str = Field(default="", max_length=500)
    languages: list[str] = Field(default_factory=list, max_length=10)
    timezone: str = "UTC"
    availability: list[AvailabilityWindow] = Field(default_factory=list, max_length=30)
    department: str = Field(default="", max_length=120)
    line_manager_email: str = Field(default="", max_length=254)
    capacity: int = Field(default=0, ge=0, le=20)
    expertise: list[SkillLevel] = Field(default_factory=list, max_length=30)
    wanted_skills: list[SkillWish] = Field(default_factory=list, max_length=15)
    interests: list[TagText] = Field(default_factory=list, max_length=30)
    version: int | None = Field(default=None, description="The version you edited; a stale one gets 409")

    @field_validator("values")
    @classmethod
    def _known_values(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in WORK_VALUES]
        if unknown:
            raise ValueError(f"unknown value(s): {', '.join(unknown)}; choose from {', '.join(WORK_VALUES)}")
        return list(dict.fromkeys(values))

    @field_validator("languages")
    @classmethod
    def _language_codes(cls, codes: list[str]) -> list[str]:
        codes = [c.strip().lower() for c in codes]
        bad = [c for c in codes if not LANGUAGE_CODE.match(c)]
        if bad:
            raise ValueError(f"use two-letter ISO 639-1 codes such as de or en, not {', '.join(bad)}")
        return list(dict.fromkeys(codes))

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, name: str) -> str:
        if not is_valid_timezone(name):
            raise ValueError(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin")
        return name

    @field_validator("interests")
    @classmethod
    def _clean_interests(cls, tags: list[str]) -> list[str]:
        return [tag_label(t) for t in tags if tag_label(t)]


class ProfileOut(BaseModel):
    membership_id: int
    user_id: int
    name: str
    email: str
    role: Role
    bio: str
    values: list[str]
    values_note: str
    languages: list[str]
    timezone: str
    availability: list[AvailabilityWindow]
    department: str
    line_manager_email: str
    capacity: int
    expertise: list[SkillLevel]
    wanted_skills: list[SkillWish]
    interests: list[str]
    version: int


class ParticipantSummary(BaseModel):
    membership_id: int
    name: str
    email: str
    role: Role
    department: str
    languages: list[str]
    skills: list[str]
    invitation_pending: bool = Field(description="No account yet: the person has not chosen a password")
    invitation_sent: bool = Field(
        default=False, description="A mail that invites them (an invitation or an offer) went out"
    )


class ImportJobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    program_id: int
    filename: str
    status: str
    summary: dict[str, int]
    errors: list[dict[str, object]]
    created_at: datetime
    finished_at: datetime | None
