"""A mentorship: one mentor and one mentee in a program, from the accepted match onwards.

Around it: the recorded lifecycle transitions, the versioned agreement with its goals, goal progress
and revisions, the private fit check, closing retrospectives and periodic relationship reviews.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.profiles.models import Tag
from mentorloom.programs.models import Cadence, Membership, _enum


class MentorshipStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETING = "completing"
    COMPLETED = "completed"
    DECLINED = "declined"
    ENDED_EARLY = "ended_early"


# States in which a mentorship takes one of the mentor's capacity slots.
OCCUPYING = (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE, MentorshipStatus.PAUSED, MentorshipStatus.COMPLETING)


class MentorshipSource(enum.StrEnum):
    MATCHING = "matching"
    REQUEST = "request"
    COORDINATOR = "coordinator"


class ClosureReason(enum.StrEnum):
    GOALS_ACHIEVED = "goals_achieved"
    LACK_OF_TIME = "lack_of_time"
    MISMATCH = "mismatch"
    LIFE_CIRCUMSTANCES = "life_circumstances"
    OTHER = "other"


class Side(enum.StrEnum):
    MENTOR = "mentor"
    MENTEE = "mentee"


class Mentorship(Base):
    __tablename__ = "mentorships"
    __table_args__ = (
        Index("ix_mentorships_mentor_status", "mentor_id", "status"),
        # One live (OCCUPYING) mentorship per mentee: placement checks it under a lock, this is the floor below.
        Index(
            "uq_mentorships_live_mentee",
            "mentee_id",
            unique=True,
            postgresql_where=text("status IN ('proposed', 'active', 'paused', 'completing')"),
            sqlite_where=text("status IN ('proposed', 'active', 'paused', 'completing')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    status: Mapped[MentorshipStatus] = mapped_column(
        _enum(MentorshipStatus, "mentorship_status"), default=MentorshipStatus.ACTIVE
    )
    source: Mapped[MentorshipSource] = mapped_column(_enum(MentorshipSource, "mentorship_source"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    end_reason: Mapped[str] = mapped_column(String(500), default="")
    # A relationship may span several cycles, each with its own agreement.
    cycle: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    cycle_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    planned_end_on: Mapped[date | None] = mapped_column(Date, default=None)
    # A mentorship a coordinator proposes starts once both people accepted.
    mentor_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    mentee_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        _enum(ClosureReason, "closure_reason"), default=None, nullable=True
    )
    # Read by matching later: the mentee wants (priority) re-matching after an early end.
    rematch_requested: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    rematch_priority: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    fit_check_opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set when retention (privacy.retention) blanked the pair's free texts; dates, states and ratings stay.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    mentor: Mapped[Membership] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Membership] = relationship(foreign_keys=[mentee_id])


class MentorshipTransition(Base):
    """One recorded change of state: from, to, who (None: the program itself), when and why."""

    __tablename__ = "mentorship_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[MentorshipStatus] = mapped_column(_enum(MentorshipStatus, "mentorship_status"))
    to_status: Mapped[MentorshipStatus] = mapped_column(_enum(MentorshipStatus, "mentorship_status"))
    action: Mapped[str] = mapped_column(String(20))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Free text of the pair: private, never shown to coordinators.
    reason: Mapped[str] = mapped_column(String(1000), default="")
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        _enum(ClosureReason, "closure_reason"), default=None, nullable=True
    )
    rematch_requested: Mapped[bool] = mapped_column(Boolean, default=False)


class AgreementStatus(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"


class MeetingFormat(enum.StrEnum):
    IN_PERSON = "in_person"
    VIDEO = "video"
    PHONE = "phone"
    ASYNC = "async"  # a written check-in instead of a call


class Channel(enum.StrEnum):
    EMAIL = "email"
    CHAT = "chat"
    PHONE = "phone"
    VIDEO = "video"


class ResponseTime(enum.StrEnum):
    SAME_DAY = "same_day"
    TWO_DAYS = "two_days"
    WEEK = "week"


class Agreement(Base):
    """One version of a cycle's agreement; a change after confirmation is a new version."""

    __tablename__ = "agreements"
    __table_args__ = (UniqueConstraint("mentorship_id", "cycle", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    cycle: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[AgreementStatus] = mapped_column(
        _enum(AgreementStatus, "agreement_status"), default=AgreementStatus.DRAFT
    )
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence, "cadence"))
    format: Mapped[MeetingFormat] = mapped_column(_enum(MeetingFormat, "meeting_format"), default=MeetingFormat.VIDEO)
    planned_months: Mapped[int] = mapped_column(Integer)
    mentor_expectations: Mapped[str] = mapped_column(String(2000), default="")
    mentee_expectations: Mapped[str] = mapped_column(String(2000), default="")
    mentor_confidentiality: Mapped[bool] = mapped_column(Boolean, default=True)
    mentee_confidentiality: Mapped[bool] = mapped_column(Boolean, default=True)
    mentor_preferred_channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"), default=Channel.EMAIL)
    mentee_preferred_channel: Mapped[Channel] = mapped_column(_enum(Channel, "channel"), default=Channel.EMAIL)
    mentor_response_time: Mapped[ResponseTime] = mapped_column(
        _enum(ResponseTime, "response_time"), default=ResponseTime.TWO_DAYS
    )
    mentee_response_time: Mapped[ResponseTime] = mapped_column(
        _enum(ResponseTime, "response_time"), default=ResponseTime.TWO_DAYS
    )
    mentor_feedback_style: Mapped[str] = mapped_column(String(500), default="")
    mentee_feedback_style: Mapped[str] = mapped_column(String(500), default="")
    note: Mapped[str] = mapped_column(String(2000), default="")  # why this version was opened
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_by_mentor_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    confirmed_by_mentee_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Optimistic lock, bumped by the service on every change (and carried into the next version).
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    goals: Mapped[list[Goal]] = relationship(
        back_populates="agreement", cascade="all, delete-orphan", order_by="Goal.position"
    )

    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}  # noqa: RUF012


class GoalStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class Goal(Base):
    """A goal as written into one agreement version; `key` identifies the same goal across versions."""

    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("agreement_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"), index=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    success_criteria: Mapped[str] = mapped_column(String(1000), default="")
    target_date: Mapped[date | None] = mapped_column(Date, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lock_version: Mapped[int] = mapped_column(Integer, default=1)

    agreement: Mapped[Agreement] = relationship(back_populates="goals")
    skills: Mapped[list[Tag]] = relationship(secondary="goal_skills", order_by="Tag.label")

    __mapper_args__ = {"version_id_col": lock_version, "version_id_generator": False}  # noqa: RUF012


class GoalSkill(Base):
    __tablename__ = "goal_skills"

    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="RESTRICT"), primary_key=True, index=True)


class GoalProgress(Base):
    """A dated progress entry of a goal (by key); the newest one holds the goal's status and percentage."""

    __tablename__ = "goal_progress"
    __table_args__ = (Index("ix_goal_progress_mentorship_key", "mentorship_id", "goal_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    goal_key: Mapped[str] = mapped_column(String(32))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    status: Mapped[GoalStatus] = mapped_column(_enum(GoalStatus, "goal_status"))
    progress: Mapped[int] = mapped_column(SmallInteger)
    note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class GoalRevision(Base):
    """A change to an agreed goal, with the reason, before and after."""

    __tablename__ = "goal_revisions"
    __table_args__ = (Index("ix_goal_revisions_mentorship_key", "mentorship_id", "goal_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    goal_key: Mapped[str] = mapped_column(String(32))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reason: Mapped[str] = mapped_column(String(500))
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class FitCheckAnswer(Base):
    """One side's private answer to "does this match feel right?"."""

    __tablename__ = "fit_check_answers"
    __table_args__ = (UniqueConstraint("mentorship_id", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    fits: Mapped[bool] = mapped_column(Boolean)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Retrospective(Base):
    """One side's closing retrospective of a cycle, private to the pair."""

    __tablename__ = "retrospectives"
    __table_args__ = (UniqueConstraint("mentorship_id", "cycle", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    cycle: Mapped[int] = mapped_column(Integer)
    side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    what_worked: Mapped[str] = mapped_column(String(2000), default="")
    what_we_learned: Mapped[str] = mapped_column(String(2000), default="")
    what_next: Mapped[str] = mapped_column(String(2000), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReviewSubmission(Base):
    """One side's answers to the review of one period; private unless shared with the partner."""

    __tablename__ = "review_submissions"
    __table_args__ = (UniqueConstraint("mentorship_id", "period", "side"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    period: Mapped[int] = mapped_column(Integer)
    side: Mapped[Side] = mapped_column(_enum(Side, "pair_side"))
    shared_with_partner: Mapped[bool] = mapped_column(Boolean, default=False)
    change_suggestion: Mapped[str] = mapped_column(String(2000), default="")
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    answers: Mapped[list[ReviewAnswer]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", order_by="ReviewAnswer.id"
    )


class ReviewAnswer(Base):
    """One score (1-5) for one statement: a row each so programs aggregate with plain SQL."""

    __tablename__ = "review_answers"
    __table_args__ = (UniqueConstraint("submission_id", "statement"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("review_submissions.id", ondelete="CASCADE"))
    statement: Mapped[str] = mapped_column(String(40), index=True)
    score: Mapped[int] = mapped_column(SmallInteger)

    submission: Mapped[ReviewSubmission] = relationship(back_populates="answers")


class ReviewRelease(Base):
    """Program-wide review figures as released to coordinators.

    Live aggregates moved with every answer, so the change gave one person's private score away; figures
    are released only for a batch of new or changed answers (see reviews.release_if_due), and kept.
    """

    __tablename__ = "review_releases"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    released_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    new_answers: Mapped[int] = mapped_column(Integer)  # answers given or changed since the previous release
    # statement key -> {"count": answers, "mean": exact mean}; reviews.py applies the display rules.
    figures: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReviewPendingAnswer(Base):
    """An answer given or changed since its program's last release: one row however often it changes."""

    __tablename__ = "review_pending_answers"

    submission_id: Mapped[int] = mapped_column(
        ForeignKey("review_submissions.id", ondelete="CASCADE"), primary_key=True
    )
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
