"""Engagement service: timeline (being built)."""

from __future__ import annotations
