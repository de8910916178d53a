"""/api/v1/programs/{id}/mentorships: lifecycle, agreement and goals, reviews, fit check, retrospectives.

Only the two people and the program's coordinators see a mentorship (everyone else: 404); coordinators
get its state, history and agreement status, never the pair's private words.

`router` is the only router to include: it gives every sub-router the common prefix, tag and problem responses.
"""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.mentorships.api import agreement, closing, goals, pairs, reviews
from mentorloom.web.api_common import PROBLEM_RESPONSES

PREFIX = "/programs/{program_id}/mentorships"

router = APIRouter(tags=["mentorships"], responses=PROBLEM_RESPONSES)
# FastAPI matches in registration order. The ids are integers and every path under `/{mentorship_id}` names
# its resource after the id, so no path of one module can match a URL of another (`/reviews/summary` is not
# a mentorship's); only the order inside each module matters.
router.include_router(pairs.router, prefix=PREFIX)
router.include_router(agreement.router, prefix=PREFIX)
router.include_router(goals.router, prefix=PREFIX)
router.include_router(reviews.router, prefix=PREFIX)
router.include_router(closing.router, prefix=PREFIX)

__all__ = ["router"]
