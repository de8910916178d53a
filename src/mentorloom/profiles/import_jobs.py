"""Large participant imports run as background jobs; the upload is stored until the job finishes."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.db import utcnow
from mentorloom.errors import MentorloomError, NotFound
from mentorloom.i18n import gettext as _
from mentorloom.profiles.importer import import_participants
from mentorloom.profiles.models import ImportJob, ImportStatus

# Files above this size are imported by the worker so the request returns at once.
BACKGROUND_THRESHOLD_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def should_run_in_background(data: bytes) -> bool:
    return len(data) > BACKGROUND_THRESHOLD_BYTES


def create_import_job(session: Session, program_id: int, user: User, filename: str, data: bytes) -> ImportJob:
    """Store an upload for the worker; the edge queues `profiles.import_csv` after commit."""
    job = ImportJob(program_id=program_id, requested_by_id=user.id, filename=filename[:255], data=data)
    session.add(job)
    session.flush()
    return job


def import_job_for(session: Session, program_id: int, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None or job.program_id != program_id:
        raise NotFound(_("Import not found."))
    return job


def start_import_job(job: ImportJob) -> bool:
    """Mark a stored upload RUNNING (the task commits this at once); False when it already ran."""
    if _upload_to_import(job) is None:
        return False
    job.status = ImportStatus.RUNNING
    return True


def run_import_job(session: Session, job: ImportJob) -> None:
    """Import a stored upload: all rows or none, recording the outcome on the job row.

    The import runs in a savepoint so a failed file leaves nothing behind but the job's error list.
    The job task commits RUNNING before calling this, so the status page shows it while the import works.
    """
    data = _upload_to_import(job)
    if data is None:
        return
    job.status = ImportStatus.RUNNING
    try:
        with session.begin_nested():
            summary = import_participants(session, job.program_id, data)
    except MentorloomError as exc:
        _finish(job, ImportStatus.FAILED, errors=getattr(exc, "errors", None) or [{"message": exc.detail}])
    else:
        _finish(job, ImportStatus.DONE, summary=summary.as_dict())
        job.rows_done = job.rows_total = summary.total
    session.flush()


def record_crash(session: Session, job_id: int, exc: Exception) -> None:
    """Mark a job FAILED after an unexpected error, so its status page stops waiting for it."""
    job = session.get(ImportJob, job_id)
    if job is None or job.status is ImportStatus.DONE:
        return
    error = f"{type(exc).__name__}: {exc}"[:500]
    message = _("The import stopped because of an unexpected error (%(error)s).", error=error)
    _finish(job, ImportStatus.FAILED, errors=[{"message": message}])


def _upload_to_import(job: ImportJob) -> bytes | None:
    """The stored file, or None once the job is done or failed: jobs may be delivered twice."""
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return None
    return job.data


def _finish(
    job: ImportJob,
    status: ImportStatus,
    *,
    summary: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> None:
    job.status = status
    job.summary = summary or {}
    job.errors = errors or []
    job.data = None  # the upload is only kept until the job is done
    job.finished_at = utcnow()
