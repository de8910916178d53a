"""Meetings of a pair: a recurring series planned from the agreement's cadence, its occurrences and ad-hoc
meetings, and what happens in and after them (agenda, shared notes, action items, private notes, feedback).

A series keeps its rule as RFC 5545 text (RRULE) with the local time and the named time zone it was planned
in; its occurrences are rows (`Meeting` with `original_start`, the RECURRENCE-ID), made when the series is
planned, so a moved or cancelled occurrence, its agenda and its outcome live on the row. The calendar feed
writes the rule back out with EXDATEs for cancelled and overriding VEVENTs for moved occurrences.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.mentorships.models import MeetingFormat, Side
from mentorloom.programs.models import Cadence, _enum


class MeetingStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"
    HELD = "held"
    MISSED = "missed"


class FeedbackVisibility(enum.StrEnum):
    PARTNER = "partner"  # the partner reads it; coordinators count it in aggregates
    COORDINATORS = "coordinators"  # only in program aggregates, never as one person's answer
    PRIVATE = "private"  # only its author


class MeetingSeries(Base):
    """The pair's recurring plan; replaced (ended) when the pair plans anew, never edited in place."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreements.id", ondelete="SET NULL"), default=None)
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence, "cadence"))
    rrule: Mapped[str] = mapped_column(String(300))  # RFC 5545 RRULE value, e.g. FREQ=MONTHLY;BYDAY=+1TU
    starts_on: Mapped[date] = mapped_column(Date)
    local_time: Mapped[time] = mapped_column(Time)
    timezone: Mapped[str] = mapped_column(String(64))
    until: Mapped[date] = mapped_column(Date)
    duration_minutes: Mapped[int] = mapped_column(SmallInteger)
    format: Mapped[MeetingFormat] = mapped_column(_enum(MeetingFormat, "meeting_format"))
    location: Mapped[str] = mapped_column(String(300), default="")
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    # RFC 5546 SEQUENCE of the series as a whole: bumped when the rule or its details change.
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class Meeting(Base):
    """One meeting: an occurrence of a series (with `original_start`) or an ad-hoc one (without)."""

    __tablename__ = "meetings"
    __table_args__ = (
        UniqueConstraint("series_id", "original_start"),
        Index("ix_meetings_mentorship_start", "mentorship_id", "starts_at"),
        Index("ix_meetings_status_start", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_series.id", ondelete="CASCADE"), default=None)
    original_start: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # RECURRENCE-ID
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))  # the zone it was planned in (the calendar's TZID)
    format: Mapped[MeetingFormat] = mapped_column(_enum(MeetingFormat, "meeting_format"))
    location: Mapped[str] = mapped_column(String(300), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        _enum(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED
    )
    uid: Mapped[str] = mapped_column(String(120))  # the series' UID for occurrences, its own for ad-hoc ones
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    moved: Mapped[bool] = mapped_column(Boolean, default=False)  # moved away from its series' time
    notes: Mapped[str] = mapped_column(Text, default="")  # shared Markdown notes of the pair
    notes_version: Mapped[int] = mapped_column(Integer, default=0)
    notes_updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    outcome_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    agenda: Mapped[list[AgendaItem]] = relationship(
        cascade="all, delete-orphan", order_by="AgendaItem.id", back_populates="meeting"
    )


class AgendaItem(Base):
    __tablename__ = "meeting_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="agenda")


class ActionItem(Base):
    """A to-do agreed in a meeting; open ones show on every later meeting until done."""

    __tablename__ = "meeting_action_items"
    __table_args__ = (Index("ix_meeting_action_items_open", "mentorship_id", "done_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), default=None)
    owner_side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    title: Mapped[str] = mapped_column(String(500))
    due_on: Mapped[date | None] = mapped_column(Date, default=None)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PrivateNote(Base):
    """One person's own notes on a meeting: only the author ever reads them."""

    __tablename__ = "meeting_private_notes"
    __table_args__ = (UniqueConstraint("meeting_id", "author_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MeetingFeedback(Base):
    """One side's feedback on a held meeting; who reads it is the author's choice (`visibility`)."""

    __tablename__ = "meeting_feedback"
    __table_args__ = (UniqueConstraint("meeting_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    usefulness: Mapped[int] = mapped_column(SmallInteger)  # 1..5
    went_well: Mapped[str] = mapped_column(String(2000), default="")
    to_change: Mapped[str] = mapped_column(String(2000), default="")
    visibility: Mapped[FeedbackVisibility] = mapped_column(
        _enum(FeedbackVisibility, "feedback_visibility"), default=FeedbackVisibility.PARTNER
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PairMeetingSettings(Base):
    """Per pair: the video room (an unguessable Jitsi room name) or a fixed link the pair chose instead."""

    __tablename__ = "pair_meeting_settings"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    video_room: Mapped[str] = mapped_column(String(64))
    video_link: Mapped[str] = mapped_column(String(500), default="")  # Teams, Zoom, …: used instead of the room


class CalendarFeed(Base):
    """A person's secret calendar feed: only the token's hash is kept, so a leaked database opens no feed."""

    __tablename__ = "calendar_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
