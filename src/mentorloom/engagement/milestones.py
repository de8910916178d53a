"""Engagement service: milestones (being built)."""

from __future__ import annotations
