"""/api/v1 endpoints of health: dashboard."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
