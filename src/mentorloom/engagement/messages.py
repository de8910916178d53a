"""Engagement service: messages (being built)."""

from __future__ import annotations
