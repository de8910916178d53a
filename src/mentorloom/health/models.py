"""Program health: each active pair's score with its explained components, the coordinators' nudges and
notes, the mentees' optional pulse, the warnings before an automatic conclusion, and the weight changes
applied from the evidence page.

What a coordinator may read is decided here by what is stored: a component keeps counts and days (never a
person's answer), and a pulse's "stuck" text is addressed to the mentor only.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mentorloom.db import Base, UTCDateTime, utcnow


class PairHealth(Base):
    """The latest health of one active mentorship; replaced on every recompute, one row per pair."""

    __tablename__ = "pair_health"
    __table_args__ = (Index("ix_pair_health_program_score", "program_id", "score"),)

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"))
    score: Mapped[int] = mapped_column(SmallInteger)  # 0..100
    band: Mapped[str] = mapped_column(String(20))  # healthy | attention | at_risk
    urgency: Mapped[float] = mapped_column(Float, default=0.0)  # sorts the at-risk list, most urgent first
    # [{"key", "weight", "deficit", "points", "code", "params"}]: see health.score
    components: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Since when the pair is outside "healthy" (kept across recomputes while it stays there).
    flagged_since: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class HealthNudge(Base):
    """A friendly mail a coordinator sent to a pair from the at-risk list; at most one a week per pair."""

    __tablename__ = "health_nudges"
    __table_args__ = (Index("ix_health_nudges_mentorship_sent", "mentorship_id", "sent_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CoordinatorNote(Base):
    """The program coordination's own note on a pair: never shown to the pair."""

    __tablename__ = "health_notes"
    __table_args__ = (Index("ix_health_notes_mentorship_created", "mentorship_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    text: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Pulse(Base):
    """A mentee's one-minute pulse for one period: 1-5 and, optionally, "I'm stuck" with a line for the mentor."""

    __tablename__ = "health_pulses"
    __table_args__ = (UniqueConstraint("mentorship_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"))
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    period: Mapped[int] = mapped_column(Integer)  # the pulse round since the pair started (1, 2, ...)
    score: Mapped[int] = mapped_column(SmallInteger)  # 1..5
    stuck: Mapped[bool] = mapped_column(Boolean, default=False)
    stuck_text: Mapped[str] = mapped_column(String(1000), default="")  # for the mentor only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InactivityWarning(Base):
    """The warning mail before an automatic conclusion, once per quiet stretch (keyed by its last activity)."""

    __tablename__ = "health_inactivity_warnings"

    mentorship_id: Mapped[int] = mapped_column(ForeignKey("mentorships.id", ondelete="CASCADE"), primary_key=True)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    warned_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    concludes_on: Mapped[datetime] = mapped_column(UTCDateTime())


class WeightChange(Base):
    """Matching weights changed from the evidence page: before, after and who applied them."""

    __tablename__ = "health_weight_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    before: Mapped[dict[str, Any]] = mapped_column(JSON)
    after: Mapped[dict[str, Any]] = mapped_column(JSON)
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
