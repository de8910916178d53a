"""Huey wakes workers: SqliteHuey embedded by default, RedisHuey when MENTORLOOM_REDIS_URL is set.

The queue carries only ids. What is left to do lives in the database (durable jobs, the mail outbox), so a
lost message or a killed worker delays work by at most a sweep interval and never loses it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorloom.audit.context import job_origin, origin
from mentorloom.config import Settings
from mentorloom.db import Database, database_unavailable, utcnow
from mentorloom.jobs import service
from mentorloom.jobs.context import JobContext
from mentorloom.jobs.registry import REGISTRY, SWEEPERS, JobSpec, load_all_jobs
from mentorloom.jobs.runner import run_job

log = logging.getLogger(__name__)
SWEEP_TASK = "jobs.sweep"


def build_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    if settings.redis_url:
        huey: Huey = RedisHuey(settings.queue_name, url=settings.redis_url, immediate=immediate)
    else:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(settings.queue_name, filename=str(settings.var_dir / "jobs.db"), immediate=immediate)
    return huey


class JobQueue:
    """The Huey tasks of every registered job, and the after-commit hook that wakes them."""

    def __init__(self, settings: Settings, database: Database, *, immediate: bool | None = None) -> None:
        load_all_jobs()
        self.immediate = settings.jobs_immediate if immediate is None else immediate
        self.context = JobContext(settings, database, self, heartbeat=not self.immediate)
        self.huey = build_huey(settings, immediate=self.immediate)
        self._tasks: dict[str, Any] = {
            service.RUN_TASK: self.huey.task(name=service.RUN_TASK, retries=0)(self._bind(run_job)),
            SWEEP_TASK: self.huey.periodic_task(crontab(minute="*"), name=SWEEP_TASK)(self.sweep),
        }
        for spec in REGISTRY.values():
            self._tasks[spec.name] = self._huey_task(spec)
        event.listen(database.session_factory, "after_commit", self._wake_committed)

    def _bind(self, fn: Any) -> Any:
        context = self.context

        def call(**kwargs: Any) -> Any:
            return fn(context, **kwargs)

        return call

    def _huey_task(self, spec: JobSpec) -> Any:
        bound = self._bind(_with_origin(spec))
        bound.__name__ = spec.name.replace(".", "_")
        if spec.every is not None:
            return self.huey.periodic_task(spec.every, name=spec.name)(bound)
        # No Huey retries: a retry decided by the queue cannot know whether the first attempt half-happened.
        return self.huey.task(name=spec.name, retries=0)(bound)

    def wake(self, task: str, **kwargs: Any) -> None:
        """Run a task now (immediate mode) or put its wake-up message on the queue."""
        self._tasks[task](**kwargs)

    def wake_later(self, task: str, when: datetime, **kwargs: Any) -> None:
        """Wake at `when`; in immediate mode the sweeper (or a test's clock) takes over instead."""
        if not self.immediate:
            self._tasks[task].schedule(kwargs=kwargs, delay=max(0.0, (when - utcnow()).total_seconds()))

    def _wake_committed(self, session: Session) -> None:
        if session.in_nested_transaction():
            # SQLAlchemy fires after_commit for a released savepoint too; nothing is committed yet, and an
            # immediate job would wait on this very transaction's write lock (SQLite) until it timed out.
            return
        for task, kwargs in session.info.pop(service.WAKE_KEY, []):
            try:
                self.wake(task, **kwargs)
            except Exception:  # the row is committed: the sweeper wakes it if this message never arrives
                log.exception("could not queue %s %s; the sweeper will pick it up", task, kwargs)

    def sweep(self) -> int:
        """Every minute, and when a worker starts: recover stale jobs and mails, wake what was lost."""
        now = self.context.clock()
        with self.context.database.session() as session:
            swept = len(service.sweep(session, now))
            for fn in SWEEPERS.values():
                swept += fn(session, now)
        return swept

    def sweep_when_reachable(self, *, max_delay: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> int:
        """The start-up sweep; a worker started while the database is down waits for it instead of exiting."""
        delay = 1.0
        while True:
            try:
                return self.sweep()
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                log.warning("database unreachable (%s); the worker tries again in %.0f s", type(exc).__name__, delay)
                sleep(delay)
                delay = min(delay * 2, max_delay)


def _with_origin(spec: JobSpec) -> Any:
    # Periodic tasks run without run_job: give their audit events the job's name as origin here too.
    def call(context: JobContext, **kwargs: Any) -> Any:
        with origin(job_origin(spec.name)):
            return spec.fn(context, **kwargs)

    return call
