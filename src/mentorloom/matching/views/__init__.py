"""Matching pages, one router: `review` for coordinators (runs and their proposals), `mine` for participants,
`avoid` for one participant's avoid-list (kept by them or a coordinator)."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.matching.views import avoid, mine, review

router = APIRouter()
# Coordinator pages first, as before the split; no path of one group matches a URL of the other.
router.include_router(review.router)
router.include_router(mine.router)
router.include_router(avoid.router)

__all__ = ["router"]
