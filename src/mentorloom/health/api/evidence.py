"""/api/v1 endpoints of health: evidence."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
