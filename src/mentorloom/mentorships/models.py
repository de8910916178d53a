"""A mentorship: one mentor and one mentee in a program, from the accepted match onwards."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorloom.db import Base, utcnow
from mentorloom.programs.models import Membership, _enum


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


class Mentorship(Base):
    __tablename__ = "mentorships"
    __table_args__ = (Index("ix_mentorships_mentor_status", "mentor_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    mentee_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    status: Mapped[MentorshipStatus] = mapped_column(
        _enum(MentorshipStatus, "mentorship_status"), default=MentorshipStatus.ACTIVE
    )
    source: Mapped[MentorshipSource] = mapped_column(_enum(MentorshipSource, "mentorship_source"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    end_reason: Mapped[str] = mapped_column(String(500), default="")

    mentor: Mapped[Membership] = relationship(foreign_keys=[mentor_id])
    mentee: Mapped[Membership] = relationship(foreign_keys=[mentee_id])
