"""An injected clock: tests move time forward instead of sleeping through leases and back-offs."""

from __future__ import annotations

from datetime import datetime, timedelta

from mentorloom.db import utcnow


class Clock:
    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or utcnow()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta
