"""Durable jobs: the database row, not the queue, says what is left to do (both databases)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.errors import ValidationFailed
from mentorloom.jobs import JobContext, schedule
from mentorloom.jobs import service as jobs
from mentorloom.jobs.models import Job, JobState
from mentorloom.jobs.registry import REGISTRY, JobSpec
from mentorloom.jobs.runner import run_job
from tests.clock import Clock
from tests.conftest import SharedConnectionDatabase

CALLS: list[dict[str, Any]] = []
FAILED: list[tuple[dict[str, Any], str]] = []


def _ok(ctx: JobContext, **payload: Any) -> None:
    CALLS.append(payload)


def _crash(ctx: JobContext, **payload: Any) -> None:
    CALLS.append(payload)
    raise RuntimeError("boom")


def _refuse(ctx: JobContext, **payload: Any) -> None:
    CALLS.append(payload)
    raise ValidationFailed("bad input", field="x")


def _on_failure(session: Session, payload: dict[str, Any], error: str) -> None:
    FAILED.append((payload, error))


@pytest.fixture(autouse=True)
def test_jobs() -> Iterator[None]:
    specs = {
        "test.ok": JobSpec("test.ok", _ok),
        "test.crash": JobSpec("test.crash", _crash, max_attempts=3, on_failure=_on_failure),
        "test.refuse": JobSpec("test.refuse", _refuse, on_failure=_on_failure),
    }
    REGISTRY.update(specs)
    CALLS.clear()
    FAILED.clear()
    yield
    for name in specs:
        REGISTRY.pop(name, None)


def _ctx(db_session: Session, settings: Settings) -> tuple[JobContext, Clock]:
    clock = Clock(utcnow() + timedelta(seconds=5))
    return JobContext(settings, SharedConnectionDatabase(db_session), clock=clock), clock  # type: ignore[arg-type]


def _job(db_session: Session, job_id: int) -> Job:
    job = db_session.get(Job, job_id, populate_existing=True)
    assert job is not None
    return job


def test_a_job_scheduled_in_a_rolled_back_transaction_never_existed(db_session: Session) -> None:
    savepoint = db_session.begin_nested()
    schedule(db_session, "test.ok", n=1)
    savepoint.rollback()
    assert db_session.scalars(select(Job)).all() == []


def test_a_job_runs_once_even_when_woken_twice(db_session: Session, settings: Settings) -> None:
    ctx, _clock = _ctx(db_session, settings)
    job = schedule(db_session, "test.ok", n=1)
    assert run_job(ctx, job.id) == "done"
    assert run_job(ctx, job.id) == "skipped"
    assert CALLS == [{"n": 1}] and _job(db_session, job.id).state is JobState.DONE


def test_a_crashing_job_backs_off_then_fails_and_tells_its_domain(db_session: Session, settings: Settings) -> None:
    ctx, clock = _ctx(db_session, settings)
    job = schedule(db_session, "test.crash", n=2)
    assert run_job(ctx, job.id) == "retry"
    assert run_job(ctx, job.id) == "skipped"  # backing off
    clock.advance(timedelta(seconds=11))
    assert run_job(ctx, job.id) == "retry"
    clock.advance(timedelta(seconds=61))
    assert run_job(ctx, job.id) == "failed"
    assert len(CALLS) == 3 and _job(db_session, job.id).state is JobState.FAILED
    assert FAILED == [({"n": 2}, "RuntimeError: boom")]


def test_a_domain_refusal_is_not_retried(db_session: Session, settings: Settings) -> None:
    ctx, _clock = _ctx(db_session, settings)
    job = schedule(db_session, "test.refuse")
    assert run_job(ctx, job.id) == "failed"
    assert len(CALLS) == 1 and FAILED[0][1] == "ValidationFailed: bad input"


def test_a_keyed_job_is_not_queued_twice_while_it_waits(db_session: Session) -> None:
    first = schedule(db_session, "test.ok", key="program:1")
    assert schedule(db_session, "test.ok", key="program:1").id == first.id
    assert schedule(db_session, "test.ok", key="program:2").id != first.id


def test_the_sweeper_requeues_a_dead_workers_job_then_fails_it_on_the_last_attempt(
    db_session: Session, settings: Settings
) -> None:
    _unused, clock = _ctx(db_session, settings)
    job = schedule(db_session, "test.crash", n=3)
    lease = timedelta(seconds=60)
    for attempt in (1, 2, 3):
        assert jobs.claim(db_session, job.id, f"dead-{attempt}", lease, clock()) is not None  # then kill -9
        assert jobs.sweep(db_session, clock()) == []  # the lease still runs
        clock.advance(lease + timedelta(seconds=1))
        woken = jobs.sweep(db_session, clock())
        assert woken == ([job.id] if attempt < 3 else [])
    assert _job(db_session, job.id).state is JobState.FAILED
    assert "worker stopped" in FAILED[0][1]


def test_a_lost_wake_up_is_found_by_the_sweeper(db_session: Session) -> None:
    job = schedule(db_session, "test.ok")
    now = utcnow()
    assert job.id not in jobs.sweep(db_session, now)  # just queued: its wake-up is probably on its way
    assert job.id in jobs.sweep(db_session, now + jobs.LOST_WAKE_GRACE + timedelta(seconds=1))


@hyp_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.sampled_from(["claim-a", "claim-b", "sweep", "tick", "finish-a", "finish-b"]), max_size=25))
def test_at_most_one_owner_and_never_more_attempts_than_allowed(db_session: Session, steps: list[str]) -> None:
    """Whatever workers and sweepers do in whatever order, a job has one owner at a time and a bounded life."""
    savepoint = db_session.begin_nested()
    try:
        job = schedule(db_session, "test.crash")
        now = utcnow() + timedelta(seconds=5)
        lease = timedelta(seconds=30)
        owners: set[str] = set()
        for step in steps:
            worker = step[-1]
            if step.startswith("claim") and jobs.claim(db_session, job.id, worker, lease, now) is not None:
                owners = {worker}
            elif step == "sweep":
                jobs.sweep(db_session, now)
                owners = owners if _job(db_session, job.id).state is JobState.RUNNING else set()
            elif step == "tick":
                now += timedelta(seconds=45)
            elif step.startswith("finish"):
                jobs.complete(db_session, job.id, worker, now)
            state = _job(db_session, job.id)
            assert state.attempts <= state.max_attempts
            if state.state is JobState.RUNNING:
                assert {state.owner} == owners
    finally:
        savepoint.rollback()


def test_a_job_scheduled_in_a_savepoint_runs_only_after_the_commit(fresh_database_url: str, tmp_path: Path) -> None:
    """Releasing a form's savepoint is not a commit: an immediate job must not run against uncommitted rows
    (on SQLite it waited on the request's own write lock until the busy timeout, and the page hung)."""
    from mentorloom import migrate
    from mentorloom.db import Database
    from mentorloom.jobs.queue import JobQueue

    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    JobQueue(Settings(var_dir=tmp_path, secret_key="t"), database, immediate=True)  # listens for commits
    try:
        with database.session() as session:
            with session.begin_nested():
                job = schedule(session, "test.ok", n=7)
            assert CALLS == [], "the job ran at the savepoint, before its row was committed"
        assert CALLS == [{"n": 7}]
        with database.session() as session:
            assert _job(session, job.id).state is JobState.DONE
    finally:
        database.dispose()
