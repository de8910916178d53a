"""Pages of health: the coordinator dashboard with the at-risk list (`dashboard`), program analytics and
retention (`analytics`), the evidence page (`evidence`), the mentees' pulse and the relationship report (`pulse`).

`router` is the only router to include: it adds the CSRF check to every page of the sub-routers below.
Every page calls the same service functions as the JSON API.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mentorloom.health.views import analytics, dashboard, evidence, pulse, report
from mentorloom.health.views import panel as _panel  # noqa: F401  (registers the pair's guidance card)
from mentorloom.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
for _module in (dashboard, analytics, evidence, pulse, report):
    router.include_router(_module.router)

__all__ = ["router"]
