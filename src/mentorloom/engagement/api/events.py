"""/api/v1 endpoints of engagement: events (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
