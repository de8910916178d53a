"""API shapes of the pair's messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from mentorloom.engagement.messages import BODY_MAX
from mentorloom.mentorships.models import Side
from mentorloom.web.inputs import MAX_INT, InputModel


class MessageIn(InputModel):
    """A message's text: trimmed, 1 to 4000 characters (checked after trimming; the error names `body`)."""

    body: str = Field(max_length=4 * BODY_MAX, description=f"The text, at most {BODY_MAX} characters after trimming")


class ReadIn(InputModel):
    up_to_id: int | None = Field(
        default=None, ge=0, le=MAX_INT, description="Mark read up to this message id; the latest when left out"
    )


class MessageOut(BaseModel):
    id: int
    author_side: Side
    mine: bool = Field(description="Written by the caller")
    author_name: str
    body: str | None = Field(description="The text; null once its author deleted it")
    html: str | None = Field(description="The text as safe HTML (escaped, http(s) links, line breaks)")
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    editable_until: datetime | None = Field(description="Until when the caller may edit it; null if not theirs")


class MessagePageOut(BaseModel):
    messages: list[MessageOut] = Field(description="Oldest first")
    has_older: bool = Field(description="Older messages exist: ask again with before_id = the first id")
    unread: int = Field(description="The caller's unread messages in this conversation after this request")
    last_read_id: int
    writable: bool = Field(description="The conversation takes new messages (the mentorship runs)")


class UnreadOut(BaseModel):
    unread: int
    last_read_id: int


class UnreadTotalOut(BaseModel):
    unread: int = Field(description="Unread messages over all the caller's pairs")
    by_mentorship: dict[int, int] = Field(description="Per mentorship id, only those with unread messages")
