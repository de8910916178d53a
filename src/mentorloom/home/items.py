"""The to-do item shared by the home page, the header badge and the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class TodoItem:
    """One thing waiting for the caller, with the address where it is done."""

    # offer | request | accept | agreement | fit_check | review | plan_meetings | meeting_outcome | meeting_feedback |
    # meeting_overdue | messages | open_offers | no_agreement | overdue_reviews | overdue_meetings
    kind: str
    program_id: int
    program_name: str
    title: str
    url: str
    since: datetime | None = None  # waiting since
    due: datetime | None = None  # expires or is due by
    mentorship_id: int | None = None  # the pair it belongs to (the caller's own ones only)
    coordination: bool = False  # needs the caller as the program's coordinator
    count: int = 1  # coordination items stand for this many pairs or offers
