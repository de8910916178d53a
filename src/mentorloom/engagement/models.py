"""Engagement between meetings: milestones and celebrations, kudos, reflections, shared resources and the
program library, program events with invitations and RSVPs, and the pair's messages.

Privacy is a column, not a convention: every piece of a person's own words carries who may read it
(`Kudos.shared`, `Reflection.visibility`), and every reader in `engagement` filters on it in the query.
The program's celebration feed shows a pair's milestones only while both people opt in
(`PairEngagementSettings`), decided when the feed is read, so withdrawing consent takes them off at once.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.mentorships.models import Side
from mentorloom.programs.models import _enum


class PairEngagementSettings(Base):
    """Per pair: whether each side agrees that the pair's celebrations appear in the program's feed."""

    __tablename__ = "pair_engagement_settings"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    mentor_shares_celebrations: Mapped[bool] = mapped_column(Boolean, default=False)
    mentee_shares_celebrations: Mapped[bool] = mapped_column(Boolean, default=False)


class Milestone(Base):
    """A milestone of a pair: planned by the pair (optionally for a goal) or reached automatically (`code`).

    Automatic ones carry a code (e.g. `first_meeting`, `months_6`, `meetings_10`, `goal:<key>`,
    `all_goals:<cycle>`, `cycle:<n>`); the unique constraint makes detecting them idempotent under
    concurrent jobs and requests. A reached milestone is a celebration card on the pair's timeline.
    """

    __tablename__ = "milestones"
    __table_args__ = (
        UniqueConstraint("mentorship_id", "code"),
        Index("ix_milestones_program_reached", "program_id", "reached_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    code: Mapped[str | None] = mapped_column(String(60), default=None)  # None: set by the pair
    goal_key: Mapped[str | None] = mapped_column(String(32), default=None)
    title: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(String(2000), default="")  # written when reached
    target_on: Mapped[date | None] = mapped_column(Date, default=None)
    reached_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reached_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Kudos(Base):
    """A short appreciation: from one partner to the other (`from_side` set) or from a coordinator to the pair.

    Private by default: only the two people (and the coordinator who wrote it) read it; `shared` puts it in
    the program's feed.
    """

    __tablename__ = "kudos"
    __table_args__ = (Index("ix_kudos_program_shared", "program_id", "shared", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    from_side: Mapped[Side | None] = mapped_column(_enum(Side, "pair_side"), default=None)  # None: coordination
    text: Mapped[str] = mapped_column(String(500))
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReflectionVisibility(enum.StrEnum):
    PRIVATE = "private"  # only its author
    PARTNER = "partner"  # both people of the pair; listed on "lessons learned"


class Reflection(Base):
    """A challenge or mistake, what happened, what was learned, what to do differently."""

    __tablename__ = "reflections"
    __table_args__ = (Index("ix_reflections_mentorship_created", "mentorship_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    goal_key: Mapped[str | None] = mapped_column(String(32), default=None)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meetings.id", ondelete="SET NULL"), default=None)
    challenge: Mapped[str] = mapped_column(String(500))
    what_happened: Mapped[str] = mapped_column(String(4000), default="")
    learned: Mapped[str] = mapped_column(String(4000), default="")
    next_time: Mapped[str] = mapped_column(String(4000), default="")
    visibility: Mapped[ReflectionVisibility] = mapped_column(
        _enum(ReflectionVisibility, "reflection_visibility"), default=ReflectionVisibility.PRIVATE
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Resource(Base):
    """A link: shared within a pair (`mentorship_id` set) or in the program library (`mentorship_id` None).

    The server never fetches the URL; only http(s) URLs are stored. `search_text` is the searchable text
    (title, why, tags) kept by the service; the full-text index over it is the database's own
    (PostgreSQL: a tsvector expression index; SQLite: an FTS5 table), made by the migration.
    """

    __tablename__ = "resources"
    __table_args__ = (Index("ix_resources_program_pair", "program_id", "mentorship_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    mentorship_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE"), default=None, index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    title: Mapped[str] = mapped_column(String(200))
    why: Mapped[str] = mapped_column(String(2000), default="")
    goal_key: Mapped[str | None] = mapped_column(String(32), default=None)
    language: Mapped[str] = mapped_column(String(8), default="")  # "de", "en" or "" (unknown)
    search_text: Mapped[str] = mapped_column(Text, default="")
    shared_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ResourceTag(Base):
    __tablename__ = "resource_tags"

    resource_id: Mapped[int] = mapped_column(ForeignKey("resources.id", ondelete="CASCADE"), primary_key=True)
    tag: Mapped[str] = mapped_column(String(50), primary_key=True, index=True)  # lower case, trimmed


class EventAudience(enum.StrEnum):
    PROGRAM = "program"  # everyone in the program is invited
    INVITED = "invited"  # only the people invited one by one or by pair


class Event(Base):
    """A program event (by a coordinator) or a mentor's event for their mentees; `capacity` None is unlimited."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_program_start", "program_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(5000), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    timezone: Mapped[str] = mapped_column(String(64))
    location: Mapped[str] = mapped_column(String(300), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None] = mapped_column(Integer, default=None)
    audience: Mapped[EventAudience] = mapped_column(
        _enum(EventAudience, "event_audience"), default=EventAudience.INVITED
    )
    uid: Mapped[str] = mapped_column(String(120), unique=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)  # RFC 5546: bumped on every change
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventInvitation(Base):
    __tablename__ = "event_invitations"
    __table_args__ = (UniqueConstraint("event_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RsvpAnswer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    MAYBE = "maybe"


class Rsvp(Base):
    """One person's answer; a "yes" beyond the capacity waits (`waiting_since`), first come first served."""

    __tablename__ = "event_rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_rsvps_event_answer", "event_id", "answer", "waiting_since"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    answer: Mapped[RsvpAnswer] = mapped_column(_enum(RsvpAnswer, "rsvp_answer"))
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # None: has a seat
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Message(Base):
    """A message in the pair's conversation; its author may edit it for 15 minutes, nobody deletes the other's."""

    __tablename__ = "pair_messages"
    __table_args__ = (
        Index("ix_pair_messages_mentorship_id", "mentorship_id", "id"),
        Index("ix_pair_messages_created_at", "created_at"),  # the mail sweep's window of recent messages
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)  # by its author only


class MessageCursor(Base):
    """How far one person of the pair has read, and up to which message they were mailed about."""

    __tablename__ = "pair_message_cursors"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    last_read_id: Mapped[int] = mapped_column(Integer, default=0)
    last_mailed_id: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
