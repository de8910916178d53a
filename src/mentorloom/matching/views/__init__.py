"""Matching pages, one router: `review` for coordinators (runs and their proposals), `mine` for participants."""

from __future__ import annotations

from fastapi import APIRouter

from mentorloom.matching.views import mine, review

router = APIRouter()
# Coordinator pages first, as before the split; no path of one group matches a URL of the other.
router.include_router(review.router)
router.include_router(mine.router)

__all__ = ["router"]
