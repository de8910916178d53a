"""/api/v1 endpoints of engagement: milestones and kudos (`celebrations`), reflections, resources and the
program library, events and RSVPs, the pair's messages, and the pair timeline.

`router` is the only router to include; every sub-router carries the tag "engagement" and the problem responses.
Pair endpoints load the mentorship through `mentorships.access` (404 for outsiders, 403 for coordinators on
what only the two people may read); program endpoints through `permissions`.
"""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.engagement.api import celebrations, events, messages, reflections, resources, timeline
from mentorloom.web.api_common import PROBLEM_RESPONSES

router = APIRouter(tags=["engagement"], responses=PROBLEM_RESPONSES)
for _module in (celebrations, reflections, resources, events, messages, timeline):
    router.include_router(_module.router)

__all__ = ["router"]
