"""Durable jobs: schedule in the caller's transaction, claim with a lease, finish, retry, and sweep.

Every state change is a conditional UPDATE, so two workers (or two sweepers) racing for the same job
cannot both win it, on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Result, select, update
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.jobs.models import Job, JobState
from mentorloom.jobs.registry import REGISTRY, spec_for

log = logging.getLogger(__name__)

WAKE_KEY = "wake_after_commit"
RUN_TASK = "jobs.run"
# A queued job untouched this long lost its wake-up (a flushed Redis, a killed consumer): the sweeper wakes it.
LOST_WAKE_GRACE = timedelta(seconds=30)
SWEEP_BATCH = 500


def wake_after_commit(session: Session, task: str, **kwargs: Any) -> None:
    """Ask the queue to run `task` once this transaction commits (dropped with a rollback)."""
    session.info.setdefault(WAKE_KEY, []).append((task, kwargs))


def schedule(session: Session, kind: str, *, key: str | None = None, **payload: Any) -> Job:
    """Record a job in the caller's transaction; a worker is woken when it commits.

    With a `key`, a job of that key still waiting to start is reused instead of queuing a second one.
    """
    if key is not None:
        waiting = session.scalar(select(Job).where(Job.key == key, Job.state == JobState.QUEUED).limit(1))
        if waiting is not None:
            return waiting
    spec = spec_for(kind)
    job = Job(kind=kind, payload=payload, key=key, max_attempts=spec.max_attempts if spec else 3, run_after=utcnow())
    session.add(job)
    session.flush()
    wake_after_commit(session, RUN_TASK, job_id=job.id)
    return job


def claim(session: Session, job_id: int, owner: str, lease: timedelta, now: datetime) -> Job | None:
    """Take a queued, due job for `owner` with a lease; None when another worker has it or it is finished."""
    taken = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.state == JobState.QUEUED, Job.run_after <= now)
        .values(state=JobState.RUNNING, owner=owner, lease_until=now + lease, attempts=Job.attempts + 1, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if rowcount(taken) != 1:
        return None
    return session.get(Job, job_id, populate_existing=True)


def renew(session: Session, job_id: int, owner: str, lease: timedelta, now: datetime) -> bool:
    """Extend the lease of a job this owner still runs (the heartbeat)."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.RUNNING)
        .values(lease_until=now + lease, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def rowcount(result: Result[Any]) -> int:
    """Rows a conditional UPDATE changed: 1 means this caller won the row."""
    return int(getattr(result, "rowcount", 0) or 0)


def complete(session: Session, job_id: int, owner: str, now: datetime) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.owner == owner, Job.state == JobState.RUNNING)
        .values(state=JobState.DONE, lease_until=None, finished_at=now, updated_at=now, last_error="")
        .execution_options(synchronize_session=False)
    )


def backoff(attempts: int) -> timedelta:
    """10 s, 1 min, 5 min, then every 30 min: a passing outage heals fast, a long one costs little."""
    steps = (10, 60, 300)
    return timedelta(seconds=steps[attempts - 1] if 0 < attempts <= len(steps) else 1800)


# A job that lost its database connection runs again this much later, without spending an attempt.
LOST_DATABASE_RETRY = timedelta(seconds=10)


def record_failure(
    session: Session,
    job_id: int,
    owner: str | None,
    error: str,
    now: datetime,
    *,
    permanent: bool = False,
    lost_database: bool = False,
) -> datetime | None:
    """After a failed attempt: queue the job again after a back-off, or fail it for good.

    Returns when the retry is due, or None when the job failed for good (its domain hook has run).
    With `lost_database` the database went away under the job (a restart): its transaction died with the
    connection, so the attempt is given back and the job runs again shortly, however often that happens.
    """
    job = session.get(Job, job_id, populate_existing=True, with_for_update=True)
    if job is None or job.state is not JobState.RUNNING or (owner is not None and job.owner != owner):
        return None  # someone else (a sweeper) already decided this job's fate
    job.last_error = error[:4000]
    job.lease_until, job.owner, job.updated_at = None, None, now
    if lost_database and not permanent:
        job.attempts = max(0, job.attempts - 1)
        job.state, job.run_after = JobState.QUEUED, now + LOST_DATABASE_RETRY
        session.flush()
        return job.run_after
    if permanent or job.attempts >= job.max_attempts:
        _fail(session, job, now)
        return None
    job.state, job.run_after = JobState.QUEUED, now + backoff(job.attempts)
    session.flush()
    return job.run_after


def _fail(session: Session, job: Job, now: datetime) -> None:
    job.state, job.finished_at = JobState.FAILED, now
    session.flush()
    spec = REGISTRY.get(job.kind)
    if spec is not None and spec.on_failure is not None:
        spec.on_failure(session, dict(job.payload), job.last_error)
    log.error("job %s (%s) failed for good after %s attempts: %s", job.id, job.kind, job.attempts, job.last_error)


def recover_expired(session: Session, now: datetime) -> list[int]:
    """Jobs whose worker stopped renewing the lease (killed, frozen): queue them again, or fail them.

    Returns the ids queued again, to be woken after commit.
    """
    expired = session.scalars(
        select(Job)
        .where(Job.state == JobState.RUNNING, Job.lease_until < now)
        .order_by(Job.id)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
        .execution_options(populate_existing=True)
    ).all()
    requeued = []
    for job in expired:
        job.last_error = f"The worker stopped while running this job (attempt {job.attempts} of {job.max_attempts})."
        job.owner, job.lease_until, job.updated_at = None, None, now
        if job.attempts >= job.max_attempts:
            _fail(session, job, now)
        else:
            job.state, job.run_after = JobState.QUEUED, now
            requeued.append(job.id)
    session.flush()
    return requeued


def lost_wakeups(session: Session, now: datetime) -> list[int]:
    """Queued, due jobs nobody has touched for a while: their wake-up message never reached a worker."""
    return list(
        session.scalars(
            select(Job.id)
            .where(Job.state == JobState.QUEUED, Job.run_after <= now, Job.updated_at <= now - LOST_WAKE_GRACE)
            .order_by(Job.id)
            .limit(SWEEP_BATCH)
        )
    )


def sweep(session: Session, now: datetime | None = None) -> list[int]:
    """Recover expired leases and find lost wake-ups; returns the job ids to wake after commit."""
    now = now or utcnow()
    ids = recover_expired(session, now) + lost_wakeups(session, now)
    for job_id in ids:
        wake_after_commit(session, RUN_TASK, job_id=job_id)
    return ids
