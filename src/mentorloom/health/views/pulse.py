"""Pages of health: pulse."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
