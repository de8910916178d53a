"""How much one web process takes on at once: request slots sized to the database pool, and thread limits.

A sync endpoint checks out a connection in one worker thread and may use it again in the next one, so a
request can hold a connection while it waits for a thread. When every thread then waits for a connection,
nobody moves until the pool times out (SQLAlchemy's default: 30 s, then 500 for everyone). Admitting only
as many requests to the database as the pool has connections, and letting the rest wait in line on the
event loop (which costs no thread), keeps the pool from ever running dry; past the wait, 503 + Retry-After.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
import anyio.to_thread

from mentorloom.config import Settings
from mentorloom.errors import ServiceBusy
from mentorloom.i18n import gettext as _


class RequestSlots:
    """At most ``size`` requests use the database at once; the others wait in line (first come, first served)."""

    def __init__(self, size: int, timeout: float) -> None:
        self.size = size
        self.timeout = timeout
        self._limiter: anyio.CapacityLimiter | None = None

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        # created lazily: an AnyIO limiter belongs to the running event loop
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.size)
        return self._limiter

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one slot for the block; raise ServiceBusy when none frees up within the timeout."""
        borrower = object()
        with anyio.move_on_after(self.timeout) as waited:
            await self.limiter.acquire_on_behalf_of(borrower)
        if waited.cancelled_caught:
            raise ServiceBusy(busy_message(), retry_after=retry_after(self.timeout))
        try:
            yield
        finally:
            self.limiter.release_on_behalf_of(borrower)


def busy_message() -> str:
    return _("The server is busy right now. Please try again in a few seconds.")


def retry_after(timeout: float) -> int:
    return max(1, math.ceil(timeout))


def set_thread_limit(settings: Settings) -> None:
    """Size AnyIO's default thread pool (sync endpoints and dependencies) to match the request slots."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = settings.thread_limit
