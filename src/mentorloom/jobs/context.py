"""What a running job may use: settings, a database to open units of work on, and the queue."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from mentorloom.config import Settings
from mentorloom.db import Database, utcnow

if TYPE_CHECKING:
    from mentorloom.jobs.queue import JobQueue


class JobContext:
    def __init__(
        self,
        settings: Settings,
        database: Database,
        jobs: JobQueue | None = None,
        *,
        heartbeat: bool = False,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.database = database
        self.jobs = jobs  # None outside a worker (tests, scripts): the sweeper then wakes retries
        # Only a real worker renews leases from a second thread; inline jobs share the caller's connection.
        self.heartbeat = heartbeat
        self.clock = clock  # tests move time forward instead of sleeping through leases and back-offs
