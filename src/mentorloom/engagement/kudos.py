"""Engagement service: kudos (being built)."""

from __future__ import annotations
