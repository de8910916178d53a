"""Large participant imports run as background jobs; the upload is stored until the job finishes."""

from __future__ import annotations

from sqlalchemy import select
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


def recent_import_jobs(session: Session, program_id: int, limit: int = 10) -> list[ImportJob]:
    query = select(ImportJob).where(ImportJob.program_id == program_id).order_by(ImportJob.id.desc()).limit(limit)
    return list(session.scalars(query))


def run_import_job(session: Session, job: ImportJob) -> None:
    """Import a stored upload: all rows or none, recording the outcome on the job row.

    The import runs in a savepoint so a failed file leaves nothing behind but the job's error list.
    """
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED) or job.data is None:
        return  # already ran: jobs may be delivered twice
    job.status = ImportStatus.RUNNING
    try:
        with session.begin_nested():
            summary = import_participants(session, job.program_id, job.data)
    except MentorloomError as exc:
        job.status = ImportStatus.FAILED
        job.errors = getattr(exc, "errors", None) or [{"message": exc.detail}]
    else:
        job.status = ImportStatus.DONE
        job.summary = summary.as_dict()
        job.rows_done = job.rows_total = summary.total
    job.data = None
    job.finished_at = utcnow()
    session.flush()
