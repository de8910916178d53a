"""Background jobs on Huey: SqliteHuey embedded by default, RedisHuey when MENTORLOOM_REDIS_URL is set.

Domain `tasks.py` modules register plain functions with `@job("name")`; a `JobQueue` built from
Settings (by the app factory or `mentorloom worker`) wraps them as Huey tasks. Jobs take ids, open
their own unit of work and reload their rows, so running one twice is harmless.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.db import Database

JobFunc = Callable[..., Any]
_REGISTRY: dict[str, JobFunc] = {}
_SCHEDULES: dict[str, Any] = {}
TASK_MODULES = ("mentorloom.accounts.tasks", "mentorloom.profiles.tasks", "mentorloom.matching.tasks")


def job(name: str, *, every: Any = None) -> Callable[[JobFunc], JobFunc]:
    """Register a job function, called as fn(ctx, **kwargs); `every` (a huey crontab) also runs it periodically."""

    def register(fn: JobFunc) -> JobFunc:
        _REGISTRY[name] = fn
        if every is not None:
            _SCHEDULES[name] = every
        return fn

    return register


class JobContext:
    """What a running job may use: settings and a database it opens units of work on."""

    def __init__(self, settings: Settings, database: Database, jobs: JobQueue | None = None) -> None:
        self.settings = settings
        self.database = database
        self._jobs = jobs

    @property
    def jobs(self) -> JobQueue:
        """The queue, for jobs that queue follow-up jobs."""
        assert self._jobs is not None
        return self._jobs


def build_huey(settings: Settings, *, immediate: bool = False) -> Huey:
    if settings.redis_url:
        huey: Huey = RedisHuey(settings.queue_name, url=settings.redis_url, immediate=immediate)
    else:
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(settings.queue_name, filename=str(settings.var_dir / "jobs.db"), immediate=immediate)
    return huey


class JobQueue:
    def __init__(self, settings: Settings, database: Database, *, immediate: bool | None = None) -> None:
        for module in TASK_MODULES:
            importlib.import_module(module)
        self.context = JobContext(settings, database, self)
        self.huey = build_huey(settings, immediate=settings.jobs_immediate if immediate is None else immediate)
        self._tasks = {name: self._wrap(name, fn) for name, fn in _REGISTRY.items()}

    def _wrap(self, name: str, fn: JobFunc) -> Any:
        context = self.context

        def run(**kwargs: Any) -> Any:
            return fn(context, **kwargs)

        run.__name__ = name.replace(".", "_")
        if name in _SCHEDULES:
            return self.huey.periodic_task(_SCHEDULES[name], name=name)(run)
        return self.huey.task(name=name, retries=3, retry_delay=10)(run)

    def enqueue(self, name: str, **kwargs: Any) -> Any:
        return self._tasks[name](**kwargs)

    def enqueue_after_commit(self, session: Session, name: str, **kwargs: Any) -> None:
        """Queue a job once the caller's transaction commits, so the worker sees the rows."""
        pending: list[tuple[str, dict[str, Any]]] = session.info.setdefault("pending_jobs", [])
        if not pending:
            event.listen(session, "after_commit", self._flush_pending, once=True)
            event.listen(session, "after_rollback", _drop_pending, once=True)
        pending.append((name, kwargs))

    def _flush_pending(self, session: Session) -> None:
        for name, kwargs in session.info.pop("pending_jobs", []):
            self.enqueue(name, **kwargs)


def _drop_pending(session: Session) -> None:
    session.info.pop("pending_jobs", None)
