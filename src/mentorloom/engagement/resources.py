"""Engagement service: resources (being built)."""

from __future__ import annotations
