"""The background import job, on a real committed database (the status page reads it from another connection)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobContext
from mentorloom.jobs.models import Job, JobState
from mentorloom.jobs.runner import run_job
from mentorloom.profiles import import_jobs
from mentorloom.profiles.models import ImportJob, ImportStatus
from tests.clock import Clock
from tests.factories import make_program, make_user


def test_an_import_that_keeps_crashing_is_retried_then_marked_failed(
    fresh_database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error (not a bad file) is retried once; then the job ends, or its page polls forever."""
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    try:
        with database.session() as session:
            program = make_program(session)
            import_job_id = import_jobs.create_import_job(
                session, program.id, make_user(session), "big.csv", b"email\n"
            ).id
            job_id = session.query(Job.id).filter(Job.kind == "profiles.import_csv").scalar()
        clock = Clock()
        ctx = JobContext(settings, database, clock=clock)
        seen_while_importing: list[ImportStatus] = []

        def crash(_session: Session, _program_id: int, _data: bytes) -> None:
            with database.session() as reader:  # a separate connection, as the status page would use
                seen_while_importing.append(_status(reader, import_job_id))
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(import_jobs, "import_participants", crash)
        assert run_job(ctx, job_id) == "retry"
        assert _status_of_job(database, job_id) is JobState.QUEUED
        assert run_job(ctx, job_id) == "skipped"  # the back-off is not over yet
        clock.advance(timedelta(seconds=11))
        assert run_job(ctx, job_id) == "failed"
        with database.session() as session:
            job = session.get(ImportJob, import_job_id)
            assert job is not None and job.status is ImportStatus.FAILED and job.finished_at is not None
            assert "RuntimeError: disk on fire" in job.errors[0]["message"]
            assert "upload the file again" in job.errors[0]["message"]
            assert job.data is None  # the upload is not kept once the job has ended
        assert seen_while_importing == [ImportStatus.RUNNING, ImportStatus.RUNNING]
        # A redelivery finds the job ended and leaves it alone.
        assert run_job(ctx, job_id) == "skipped"
    finally:
        database.dispose()


def _status(session: Session, job_id: int) -> ImportStatus:
    job = session.get(ImportJob, job_id)
    assert job is not None
    return job.status


def _status_of_job(database: Database, job_id: int) -> JobState:
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job is not None
        return job.state
