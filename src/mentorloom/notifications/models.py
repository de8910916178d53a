"""The mail outbox and the in-app notifications.

Every mail is an outbox row written in the same transaction as the event it tells about; every event for a
person is also a notification row (the in-app list), whether or not it is mailed.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mentorloom.db import Base, UTCDateTime, utcnow


class MailState(enum.StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # a worker holds the lease; if the lease runs out, the outcome is unknown
    SENT = "sent"
    FAILED = "failed"  # refused, retried for hours in vain, or twice without knowing: the coordinator sees it
    CANCELLED = "cancelled"  # no longer needed when its turn came (e.g. the invitation was accepted meanwhile)


def _values(states: type[enum.Enum]) -> list[str]:
    return [state.value for state in states]


class OutboxMail(Base):
    """One mail to one person; the unique key makes queuing the same mail twice a no-op."""

    __tablename__ = "outbox_mails"
    __table_args__ = (Index("ix_outbox_mails_state_next", "state", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True, default=None
    )
    to_address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10))
    template: Mapped[str] = mapped_column(String(80))
    # Plain data only (ids, names, flags); links and text are made when the mail is sent, in its language.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Fixed at the first attempt, so a retry after an unknown outcome lets the receiver drop the duplicate.
    message_id: Mapped[str | None] = mapped_column(String(255), default=None)
    subject: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[MailState] = mapped_column(
        Enum(MailState, name="mail_state", values_callable=_values, native_enum=False, length=20),
        default=MailState.PENDING,
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    unknown_outcomes: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class DeliveryMode(enum.StrEnum):
    """How a person wants one kind of notification mailed; the in-app entry is written in every mode."""

    IMMEDIATELY = "immediately"
    DAILY = "daily"  # collected into one digest mail a day
    OFF = "off"


class Notification(Base):
    """One event for one person, shown in the app; the unique key makes notifying twice a no-op."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    program_id: Mapped[int | None] = mapped_column(
        ForeignKey("programs.id", ondelete="SET NULL"), index=True, default=None
    )
    kind: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(200), unique=True)
    # Plain data only, like the outbox: the entry's text is rendered in the reader's language when shown.
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Set when a daily digest took it up (or it was mailed at once), so no digest lists it twice.
    digested_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class NotificationPreference(Base):
    """A person's choice for one kind; without a row the kind's default applies."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    mode: Mapped[DeliveryMode] = mapped_column(
        Enum(DeliveryMode, name="delivery_mode", values_callable=_values, native_enum=False, length=20)
    )
