"""Pages of engagement: celebrations (milestones, kudos, the program feed), reflections and lessons learned,
resources and the program library, events, the pair's conversation, and the pair timeline.

`router` is the only router to include: it adds the CSRF check to every page of the sub-routers below.
Every page calls the same service functions as the JSON API.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mentorloom.engagement.views import celebrations, events, messages, reflections, resources, timeline
from mentorloom.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
for _module in (celebrations, reflections, resources, events, messages, timeline):
    router.include_router(_module.router)

__all__ = ["router"]
