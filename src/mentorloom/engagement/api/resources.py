"""/api/v1 endpoints of engagement: resources (being built)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
