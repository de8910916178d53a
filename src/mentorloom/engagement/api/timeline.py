"""/api/v1/programs/{id}/mentorships/{id}/timeline: the pair's timeline, newest first, filterable by kind.

Only the two people read it: coordinators get 403 (it holds the pair's own words), everyone else 404.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query

from mentorloom.engagement import timeline
from mentorloom.engagement.schemas.timeline import TimelineEntryOut, TimelineOut
from mentorloom.engagement.timeline import EntryKind
from mentorloom.mentorships.access import pair_seat
from mentorloom.web.api_common import ObjectId
from mentorloom.web.deps import ApiUser, DbSession

router = APIRouter()


@router.get("/programs/{program_id}/mentorships/{mentorship_id}/timeline", response_model=TimelineOut)
def get_timeline(
    program_id: ObjectId,
    mentorship_id: ObjectId,
    user: ApiUser,
    session: DbSession,
    kind: Annotated[list[EntryKind], Query(max_length=len(EntryKind), description="Only these kinds")] = [],  # noqa: B006
    page: int = Query(default=1, ge=1, le=100_000),
    per_page: int = Query(default=timeline.PER_PAGE, ge=1, le=timeline.MAX_PER_PAGE),
) -> TimelineOut:
    """Meetings, milestones, kudos, reflections (shared ones and your own), resources, events, goal changes and
    agreement versions, newest first. Repeat `kind` to filter; an empty page past the end."""
    seat = pair_seat(session, user, program_id, mentorship_id)
    found = timeline.timeline(session, seat, kinds=kind, page=page, per_page=per_page)
    return TimelineOut(
        items=[TimelineEntryOut(**asdict(e)) for e in found.entries],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
        pages=found.pages,
        kinds=sorted(found.kinds),
    )
