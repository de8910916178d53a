"""The audit log in the API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class AuditEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime = Field(description="When, in UTC")
    actor_user_id: int | None = Field(description="Who: the signed-in person, or null (a job, the CLI, a stranger)")
    action: str = Field(description="What: one of the audit action codes (see the README)")
    target_type: str = Field(description="What kind of object it was done to ('' for none)")
    target_id: int | None
    program_id: int | None
    origin: str = Field(description="From where: the client address, 'job:<name>' or 'cli'")
    detail: dict[str, Any] = Field(description="Ids and codes only: never a password, private text or address")
