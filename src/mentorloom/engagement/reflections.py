"""Engagement service: reflections (being built)."""

from __future__ import annotations
