"""Domain `tasks.py` modules register their job functions here; the worker imports them all before it starts."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


JobFunc = Callable[..., Any]
# Called once a job has failed for good (attempts used up, or a lease ran out on the last attempt), in a
# transaction of its own, so the domain can mark its own row failed and tell the person waiting for it.
FailureHook = Callable[["Session", dict[str, Any], str], None]

TASK_MODULES = (
    "mentorloom.notifications.tasks",
    "mentorloom.accounts.mails",
    "mentorloom.programs.mails",
    "mentorloom.profiles.tasks",
    "mentorloom.matching.tasks",
    "mentorloom.mentorships.tasks",
    "mentorloom.meetings.tasks",
    "mentorloom.engagement.tasks",
    "mentorloom.health.tasks",
    "mentorloom.privacy.tasks",
)


@dataclass(frozen=True)
class JobSpec:
    name: str
    fn: JobFunc
    max_attempts: int = 3
    on_failure: FailureHook | None = None
    every: Any = None  # a huey crontab: run periodically (not a durable row: periodic jobs are sweeps)


REGISTRY: dict[str, JobSpec] = {}
# Domain sweepers fn(session, now) -> how many rows they recovered; run with the job sweeper every minute.
Sweeper = Callable[["Session", Any], int]
SWEEPERS: dict[str, Sweeper] = {}


def sweeper(name: str) -> Callable[[Sweeper], Sweeper]:
    """Register a sweeper that recovers a domain's own durable rows (e.g. the mail outbox)."""

    def register(fn: Sweeper) -> Sweeper:
        SWEEPERS[name] = fn
        return fn

    return register


def job(
    name: str, *, every: Any = None, max_attempts: int = 3, on_failure: FailureHook | None = None
) -> Callable[[JobFunc], JobFunc]:
    """Register fn(ctx, **payload) as job `name`; `every` (a huey crontab) runs it periodically instead."""

    def register(fn: JobFunc) -> JobFunc:
        REGISTRY[name] = JobSpec(name, fn, max_attempts, on_failure, every)
        return fn

    return register


def load_all_jobs() -> dict[str, JobSpec]:
    """Import every domain's task module (and so every model) and configure the mappers.

    A worker must do this before it consumes anything: its threads would otherwise import modules lazily
    while SQLAlchemy configures mappers on another thread, and a half-configured registry fails every job.
    """
    from sqlalchemy.orm import configure_mappers

    import mentorloom.models  # noqa: F401  (every table and relationship target)

    for module in TASK_MODULES:
        importlib.import_module(module)
    configure_mappers()
    return REGISTRY


def spec_for(name: str) -> JobSpec | None:
    """The job registered as `name`, loading every task module first if this process has not yet."""
    return REGISTRY.get(name) or load_all_jobs().get(name)


__all__ = ["REGISTRY", "SWEEPERS", "FailureHook", "JobFunc", "JobSpec", "job", "load_all_jobs", "spec_for", "sweeper"]
