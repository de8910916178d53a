"""Matching runs and their proposals, participants' prefer/avoid input, and self-service requests."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.programs.models import Membership, _enum


class RunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"  # proposals computed, under the coordinator's review
    PUBLISHED = "published"
    FAILED = "failed"
    DISCARDED = "discarded"


class ProposalStatus(enum.StrEnum):
    DRAFT = "draft"  # proposed by the engine, under review
    LOCKED = "locked"  # the coordinator keeps it when re-running
    REJECTED = "rejected"  # the coordinator ruled this pair out
    OFFERED = "offered"  # published: both people are asked
    ACCEPTED = "accepted"  # both said yes; a mentorship exists
    DECLINED = "declined"  # one of them said no
    UNMATCHED = "unmatched"  # the engine found no mentor for this mentee


class Response(enum.StrEnum):
    ACCEPTED = "accepted"
    DECLINED = "declined"


class MatchRun(Base):
    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    mode: Mapped[str] = mapped_column(String(20))
    status: Mapped[RunStatus] = mapped_column(_enum(RunStatus, "run_status"), default=RunStatus.QUEUED)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")

    proposals: Mapped[list[Proposal]] = relationship(
        back_populates="run", cascade="all, delete-orphan", order_by="Proposal.id"
    )


class Proposal(Base):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_run_mentee", "run_id", "mentee_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    status: Mapped[ProposalStatus] = mapped_column(
        _enum(ProposalStatus, "proposal_status"), default=ProposalStatus.DRAFT
    )
    score: Mapped[float | None] = mapped_column(Float, default=None)
    rank: Mapped[int] = mapped_column(Integer, default=0)
    criteria: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    facts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    unmatched_reason: Mapped[str] = mapped_column(String(40), default="")
    mentee_response: Mapped[Response | None] = mapped_column(_enum(Response, "proposal_response"), default=None)
    mentor_response: Mapped[Response | None] = mapped_column(_enum(Response, "proposal_response"), default=None)
    decline_reason: Mapped[str] = mapped_column(String(500), default="")
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    run: Mapped[MatchRun] = relationship(back_populates="proposals")
    mentee: Mapped[Membership] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[Membership | None] = relationship(foreign_keys=[mentor_id])


class PreferenceKind(enum.StrEnum):
    PREFER = "prefer"
    AVOID = "avoid"


class MatchPreference(Base):
    """A participant's input before matching: prefer (mentees) or avoid (either side) another person."""

    __tablename__ = "match_preferences"
    __table_args__ = (UniqueConstraint("owner_id", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    target_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    kind: Mapped[PreferenceKind] = mapped_column(_enum(PreferenceKind, "preference_kind"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class MentorRequest(Base):
    """Self-service: a mentee asks a mentor from their shortlist, with a message."""

    __tablename__ = "mentor_requests"
    __table_args__ = (Index("ix_mentor_requests_mentee_status", "mentee_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    mentee_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(String(2000), default="")
    status: Mapped[RequestStatus] = mapped_column(_enum(RequestStatus, "request_status"), default=RequestStatus.PENDING)
    response_note: Mapped[str] = mapped_column(String(1000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    mentee: Mapped[Membership] = relationship(foreign_keys=[mentee_id])
    mentor: Mapped[Membership] = relationship(foreign_keys=[mentor_id])


class MatchScore(Base):
    """Each mentorship's per-criterion scores as they were when it was matched: the evidence page fits them
    against how long pairs lasted, so they must not move when profiles change later."""

    __tablename__ = "match_scores"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    score: Mapped[float] = mapped_column(Float)
    criteria: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # criterion -> 0..1
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # the program's weights then
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
