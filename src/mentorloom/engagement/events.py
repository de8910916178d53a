"""Engagement service: events (being built)."""

from __future__ import annotations
