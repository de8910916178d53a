"""The API's view of notifications and preferences."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from mentorloom.notifications.models import DeliveryMode


class NotificationOut(BaseModel):
    id: int
    kind: str
    title: str = Field(description="The entry's text in the caller's language (Accept-Language)")
    link: str = Field(description="Path of the page the entry is about; empty when there is none")
    program_id: int | None
    context: dict[str, Any] = Field(description="The plain data the entry was written with")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(BaseModel):
    """One page of the caller's notifications, newest first, with the unread count of all of them."""

    items: list[NotificationOut]
    total: int
    page: int
    per_page: int
    pages: int
    unread: int


class ReadAllOut(BaseModel):
    marked: int = Field(description="How many were unread before")
    unread: int


class PreferenceOut(BaseModel):
    kind: str
    label: str = Field(description="The kind in the caller's language")
    mode: DeliveryMode
    default: DeliveryMode
    security: bool = Field(description="Security mails always go out at once and cannot be changed")


class PreferencesIn(BaseModel):
    """Kinds to change, each with its new mode; kinds not named keep theirs."""

    preferences: dict[str, DeliveryMode] = Field(
        max_length=100, examples=[{"meeting_reminder": "daily", "review_due": "off"}]
    )
