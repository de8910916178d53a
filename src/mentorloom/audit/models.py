"""One audit event per security-relevant or coordinator action: who, what, when, target, from where.

Append-only: the ORM refuses to update or delete a row here, and migration 0014 adds database triggers that
refuse UPDATE and DELETE on both backends, so not even raw SQL from the application rewrites history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from mentorloom.db import Base, UTCDateTime, utcnow


class AuditAction(StrEnum):
    """What happened. The values are stored and exported: never rename one."""

    SIGN_IN = "sign_in"
    SIGN_IN_FAILED = "sign_in_failed"
    SIGN_OUT = "sign_out"
    PASSWORD_CHANGED = "password_changed"
    PASSWORD_RESET = "password_reset"
    ROLE_CHANGED = "role_changed"
    ADMIN_GRANTED = "admin_granted"
    ADMIN_REVOKED = "admin_revoked"
    INVITATION_SENT = "invitation_sent"
    INVITATION_ACCEPTED = "invitation_accepted"
    TOKEN_CREATED = "token_created"
    TOKEN_REVOKED = "token_revoked"
    PROGRAM_CREATED = "program_created"
    PROGRAM_SETTINGS_CHANGED = "program_settings_changed"
    PARTICIPANTS_IMPORTED = "participants_imported"
    PARTICIPANTS_EXPORTED = "participants_exported"
    MATCHING_PUBLISHED = "matching_published"
    MENTORSHIP_STATE_CHANGED = "mentorship_state_changed"
    DATA_EXPORTED = "data_exported"
    PERSON_ERASED = "person_erased"
    RETENTION_ANONYMISED = "retention_anonymised"
    AUDIT_EXPORTED = "audit_exported"


class AuditLogImmutable(RuntimeError):
    """An attempt to change or remove an audit event: a bug in our code, never a user's mistake (so a 500,
    not one of the domain errors that answer 4xx)."""


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_actor_at", "actor_user_id", "at"),
        Index("ix_audit_events_program_at", "program_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # No ON DELETE action: people and programs are anonymised, never deleted, and a cascade would be an
    # UPDATE or DELETE here, which the triggers refuse.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(40), default="")
    target_id: Mapped[int | None] = mapped_column(Integer, default=None)
    program_id: Mapped[int | None] = mapped_column(ForeignKey("programs.id"), default=None)
    origin: Mapped[str] = mapped_column(String(64), default="")  # client IP, "job:<name>" or "cli"
    # Ids and codes only: never a password, a private text or an e-mail address.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def _refuse(_mapper: Mapper[AuditEvent], _connection: Connection, target: AuditEvent) -> None:
    raise AuditLogImmutable(f"audit event {target.id} is append-only")


event.listen(AuditEvent, "before_update", _refuse)
event.listen(AuditEvent, "before_delete", _refuse)
