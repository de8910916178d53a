"""Run one durable job: claim it, keep its lease alive from a heartbeat thread, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import nullcontext
from datetime import datetime, timedelta
from types import TracebackType
from typing import TypeVar

from sqlalchemy.orm import Session

from mentorloom.audit.context import job_origin, origin
from mentorloom.db import database_unavailable
from mentorloom.errors import MentorloomError
from mentorloom.jobs import service
from mentorloom.jobs.context import JobContext
from mentorloom.jobs.registry import spec_for

log = logging.getLogger(__name__)
T = TypeVar("T")
# A job that found the database away is woken again this much later (a restart takes a few seconds).
UNAVAILABLE_RETRY = service.LOST_DATABASE_RETRY


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


def run_job(ctx: JobContext, job_id: int) -> str:
    """Run job `job_id` if it is still queued and due; returns what became of it."""
    owner, lease = worker_name(), timedelta(seconds=ctx.settings.job_lease_seconds)
    try:
        with ctx.database.session() as session:
            job = service.claim(session, job_id, owner, lease, ctx.clock())
            if job is None:
                return "skipped"
            kind, payload = job.kind, dict(job.payload)
    except Exception as exc:
        if not database_unavailable(exc):
            raise
        # nothing claimed: the job is still queued; ask again once the database may be back
        log.warning("job %s: database unavailable, trying again in %s", job_id, UNAVAILABLE_RETRY)
        _wake_later(ctx, job_id, ctx.clock() + UNAVAILABLE_RETRY)
        return "retry"
    spec = spec_for(kind)
    try:
        if spec is None:
            raise MentorloomError(f"unknown job kind {kind!r}")
        with _heartbeat(ctx, job_id, owner, lease), origin(job_origin(kind)):
            spec.fn(ctx, **payload)
    except MentorloomError as exc:  # a domain refusal: running it again gives the same answer
        return _failed(ctx, job_id, owner, f"{type(exc).__name__}: {exc.detail}", permanent=True)
    except Exception as exc:
        lost = database_unavailable(exc)  # the database went away under the job: not the job's fault
        log.log(logging.WARNING if lost else logging.ERROR, "job %s (%s) failed", job_id, kind, exc_info=True)
        return _failed(ctx, job_id, owner, f"{type(exc).__name__}: {exc}", permanent=False, lost_database=lost)
    _with_database(ctx, lambda session: service.complete(session, job_id, owner, ctx.clock()))
    return "done"


def _failed(
    ctx: JobContext, job_id: int, owner: str, error: str, *, permanent: bool, lost_database: bool = False
) -> str:
    def record(session: Session) -> datetime | None:
        return service.record_failure(
            session, job_id, owner, error, ctx.clock(), permanent=permanent, lost_database=lost_database
        )

    retry_at = _with_database(ctx, record)
    if retry_at is None:
        return "failed"
    _wake_later(ctx, job_id, retry_at)
    return "retry"


def _wake_later(ctx: JobContext, job_id: int, when: datetime) -> None:
    if ctx.jobs is not None:  # without a queue (scripts, tests) the sweeper wakes it
        ctx.jobs.wake_later(service.RUN_TASK, when, job_id=job_id)


def _with_database(ctx: JobContext, work: Callable[[Session], T]) -> T:
    """Run `work` in a unit of work, waiting out a database restart for up to one lease.

    A job's outcome must not be lost to a restart: the job would sit "running" until its lease ran out,
    and the sweeper would spend one of its attempts on it.
    """
    deadline = time.monotonic() + ctx.settings.job_lease_seconds
    delay = 0.25
    while True:
        try:
            with ctx.database.session() as session:
                return work(session)
        except Exception as exc:
            if not database_unavailable(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 5.0)


def _heartbeat(ctx: JobContext, job_id: int, owner: str, lease: timedelta) -> Heartbeat | nullcontext[None]:
    # Jobs run inline (tests, immediate mode) share the caller's connection: no second thread on it.
    return Heartbeat(ctx, job_id, owner, lease) if ctx.heartbeat else nullcontext()


class Heartbeat:
    """Renews a job's lease every third of its length until the job returns.

    A killed worker stops renewing, the lease runs out, and the sweeper hands the job to another worker.
    """

    def __init__(self, ctx: JobContext, job_id: int, owner: str, lease: timedelta) -> None:
        self.ctx, self.job_id, self.owner, self.lease = ctx, job_id, owner, lease
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{job_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *exc: tuple[type[BaseException] | None, BaseException | None, TracebackType | None]) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _beat(self) -> None:
        interval = self.lease.total_seconds() / 3
        while not self._stop.wait(interval):
            try:
                with self.ctx.database.session() as session:
                    if not service.renew(session, self.job_id, self.owner, self.lease, self.ctx.clock()):
                        log.warning("job %s: lease lost to the sweeper", self.job_id)
                        return
            except Exception:  # a database hiccup: try again next beat; the lease still has two thirds left
                log.warning("job %s: could not renew the lease", self.job_id, exc_info=True)
