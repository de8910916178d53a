"""API shapes of erasure."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ErasureOut(BaseModel):
    user_id: int
    display_name: str = Field(description="The neutral label the person now has")
    erased_at: datetime
    already_erased: bool = Field(description="True when the person had been erased before: nothing changed")
