"""Participant profiles: what matching and the pair pages know about a mentor or mentee."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, SmallInteger, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.programs.models import Membership, _enum


class TagKind(enum.StrEnum):
    SKILL = "skill"
    INTEREST = "interest"


class SkillKind(enum.StrEnum):
    EXPERTISE = "expertise"  # a mentor offers it, with a level 1-5
    WANTED = "wanted"  # a mentee wants it, with a priority 1-3


class Tag(Base):
    """A skill or interest shared across programs; `key` is the normalised form used for lookups."""

    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("kind", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[TagKind] = mapped_column(_enum(TagKind, "tag_kind"))
    key: Mapped[str] = mapped_column(String(80))
    label: Mapped[str] = mapped_column(String(80))
    # The label's sentence embedding (float32 bytes), so matching can tell that "Verhandlungsführung" and
    # "negotiation" are one skill. Computed once by a job when the tag is new; deferred because tags are joined
    # into every profile load, and only a matching run needs the vectors.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None, deferred=True)
    embedding_model: Mapped[str] = mapped_column(String(40), default="")


class Profile(Base):
    __tablename__ = "profiles"

    membership_id: Mapped[int] = mapped_column(ForeignKey("memberships.id", ondelete="CASCADE"), primary_key=True)
    bio: Mapped[str] = mapped_column(Text, default="")
    values: Mapped[list[str]] = mapped_column(JSON, default=list)
    values_note: Mapped[str] = mapped_column(String(500), default="")
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # [{"day": 0..6 (Mon..Sun), "start": "HH:MM", "end": "HH:MM"}] in the profile's time zone.
    availability: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    department: Mapped[str] = mapped_column(String(120), default="")
    line_manager_email: Mapped[str] = mapped_column(String(254), default="")
    capacity: Mapped[int] = mapped_column(Integer, default=0)
    # The bio's sentence embedding (float32 bytes), computed by a job after each save, never per matching run.
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    embedding_model: Mapped[str] = mapped_column(String(40), default="")
    embedding_source: Mapped[str] = mapped_column(String(64), default="")  # sha256 of the embedded text
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    membership: Mapped[Membership] = relationship()
    skills: Mapped[list[ProfileSkill]] = relationship(cascade="all, delete-orphan", order_by="ProfileSkill.id")
    interests: Mapped[list[ProfileInterest]] = relationship(cascade="all, delete-orphan", order_by="ProfileInterest.id")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy's declarative attribute)


class ProfileSkill(Base):
    __tablename__ = "profile_skills"
    __table_args__ = (UniqueConstraint("profile_id", "tag_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.membership_id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[SkillKind] = mapped_column(_enum(SkillKind, "skill_kind"))
    # Level 1-5 for expertise, priority 1-3 (1 = most wanted) for wanted skills.
    weight: Mapped[int] = mapped_column(SmallInteger)

    tag: Mapped[Tag] = relationship(lazy="joined")


class ProfileInterest(Base):
    __tablename__ = "profile_interests"
    __table_args__ = (UniqueConstraint("profile_id", "tag_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.membership_id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="RESTRICT"), index=True)

    tag: Mapped[Tag] = relationship(lazy="joined")


class ImportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ImportJob(Base):
    """A participant CSV import run in the background (large files); the file is kept until done."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    data: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    status: Mapped[ImportStatus] = mapped_column(_enum(ImportStatus, "import_status"), default=ImportStatus.QUEUED)
    rows_done: Mapped[int] = mapped_column(Integer, default=0)
    rows_total: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
