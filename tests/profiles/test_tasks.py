"""The background import job, on a real committed database (the status page reads it from another connection)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import Database
from mentorloom.jobs import JobContext
from mentorloom.profiles import import_jobs, tasks
from mentorloom.profiles.models import ImportJob, ImportStatus
from tests.factories import make_program, make_user


def test_an_import_that_crashes_is_marked_failed_instead_of_staying_queued(
    fresh_database_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unexpected error (not a bad file) must still end the job, or its page polls forever."""
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    try:
        with database.session() as session:
            program = make_program(session)
            job_id = import_jobs.create_import_job(session, program.id, make_user(session), "big.csv", b"email\n").id
        seen_while_importing: list[ImportStatus] = []

        def crash(_session: Session, _program_id: int, _data: bytes) -> None:
            with database.session() as reader:  # a separate connection, as the status page would use
                seen_while_importing.append(_status(reader, job_id))
            raise RuntimeError("disk on fire")

        monkeypatch.setattr(import_jobs, "import_participants", crash)
        with pytest.raises(RuntimeError):
            tasks.import_csv(JobContext(settings, database), import_job_id=job_id)
        with database.session() as session:
            job = session.get(ImportJob, job_id)
            assert job is not None and job.status is ImportStatus.FAILED and job.finished_at is not None
            assert "RuntimeError: disk on fire" in job.errors[0]["message"]
            assert job.data is None  # the upload is not kept once the job has ended
        assert seen_while_importing == [ImportStatus.RUNNING]
        # A redelivery (huey retries) finds the job ended and leaves it alone.
        assert tasks.import_csv(JobContext(settings, database), import_job_id=job_id) == "failed"
    finally:
        database.dispose()


def _status(session: Session, job_id: int) -> ImportStatus:
    job = session.get(ImportJob, job_id)
    assert job is not None
    return job.status
