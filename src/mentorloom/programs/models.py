"""Programs and who belongs to them in which role."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Enum, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mentorloom.accounts.models import User
from mentorloom.db import Base, UTCDateTime, utcnow
from mentorloom.i18n import N_, gettext


class Role(enum.StrEnum):
    COORDINATOR = "coordinator"
    MENTOR = "mentor"
    MENTEE = "mentee"


_ROLE_LABELS = {Role.COORDINATOR: N_("coordinator"), Role.MENTOR: N_("mentor"), Role.MENTEE: N_("mentee")}


def role_label(role: Role) -> str:
    """The role's name in the current language."""
    return gettext(_ROLE_LABELS[role])


class Cadence(enum.StrEnum):
    WEEKLY = "weekly"
    BIWEEKLY = "biweekly"
    MONTHLY = "monthly"


def _enum(cls: type[enum.Enum], name: str) -> Enum:
    # Stored as strings (no native PG enum) so adding a value later is a code change only.
    return Enum(cls, name=name, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Program(Base):
    __tablename__ = "programs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str] = mapped_column(String(2), default="en")
    default_cadence: Mapped[Cadence] = mapped_column(_enum(Cadence, "cadence"), default=Cadence.MONTHLY)
    duration_months: Mapped[int] = mapped_column(Integer, default=12)
    starts_on: Mapped[date | None] = mapped_column(Date, default=None)
    ends_on: Mapped[date | None] = mapped_column(Date, default=None)
    # Validated by programs.schemas.ProgramSettings on every write.
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="program", cascade="all, delete-orphan")


class Membership(Base):
    """A person's role in one program; a person has at most one role per program."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("program_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("programs.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    program: Mapped[Program] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
