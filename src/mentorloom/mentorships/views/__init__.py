"""Pages: the list of mentorships, the pair home, the agreement form and versions, the review form, closing.

Each page loads its mentorship through `access.seat_for` (404 for outsiders) and calls the same service
functions as the JSON API; coordinators get the presenters' coordinator view, never private text.

`router` is the only router to include: it adds the CSRF check to every page of the sub-routers below.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from mentorloom.mentorships.views import agreement, closing, pair, reviews
from mentorloom.web.deps import csrf_protect

router = APIRouter(dependencies=[Depends(csrf_protect)], include_in_schema=False)
# FastAPI matches in registration order. No path of one module can match a URL of another, so only the
# order inside each module matters (e.g. `goals/{key}/progress` and `goals/{key}/revise` in `agreement`).
router.include_router(pair.router)
router.include_router(agreement.router)
router.include_router(reviews.router)
router.include_router(closing.router)

__all__ = ["router"]
