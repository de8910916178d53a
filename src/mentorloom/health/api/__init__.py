"""/api/v1 endpoints of health: the pairs' health and the at-risk list (`dashboard`), program analytics and
retention (`analytics`), the evidence on matching criteria (`evidence`), the mentees' pulse and the relationship
report (`pulse`).

`router` is the only router to include; every sub-router carries the tag "health" and the problem responses.
"""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.health.api import analytics, dashboard, evidence, pulse, report
from mentorloom.web.api_common import PROBLEM_RESPONSES

router = APIRouter(tags=["health"], responses=PROBLEM_RESPONSES)
for _module in (dashboard, analytics, evidence, pulse, report):
    router.include_router(_module.router)

__all__ = ["router"]
