"""Large participant imports run as background jobs; the upload is stored until the job finishes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record as audit
from mentorloom.db import lock_row, utcnow
from mentorloom.errors import MentorloomError, NotFound, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.i18n import ngettext
from mentorloom.jobs import schedule
from mentorloom.profiles.csv_format import check_header
from mentorloom.profiles.importer import ImportSummary, ProgressCallback, import_participants
from mentorloom.profiles.models import ImportJob, ImportStatus
from mentorloom.profiles.service import EMBED_JOB

# Files above this size are imported by the worker so the request returns at once.
BACKGROUND_THRESHOLD_BYTES = 256 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


def should_run_in_background(data: bytes) -> bool:
    return len(data) > BACKGROUND_THRESHOLD_BYTES


@dataclass(frozen=True)
class ImportOutcome:
    """Either the counts of an import done at once, or the job that imports a large file in the background."""

    summary: ImportSummary | None = None
    job: ImportJob | None = None


def import_upload(
    session: Session,
    program_id: int,
    user: User | None,
    filename: str,
    data: bytes,
    *,
    background: bool = False,
    progress: ProgressCallback | None = None,
) -> ImportOutcome:
    """The one way in for an uploaded participant file (API, page and CLI): all rows or none.

    Large files (or `background`) are stored for the worker; small ones are imported now and their
    profiles embedded by the worker once the caller commits.
    """
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationFailed(_("The file is larger than %(mb)d MB.", mb=MAX_UPLOAD_BYTES // 2**20), field="file")
    if background or should_run_in_background(data):
        check_header(data)
        return ImportOutcome(job=create_import_job(session, program_id, user, filename, data))
    summary = import_participants(session, program_id, data, progress=progress)
    _audit_import(session, program_id, user, summary.as_dict())
    schedule(session, EMBED_JOB, key=f"{EMBED_JOB}:{program_id}", program_id=program_id)
    return ImportOutcome(summary=summary)


def create_import_job(session: Session, program_id: int, user: User | None, filename: str, data: bytes) -> ImportJob:
    """Store an upload and schedule the worker's import of it (woken when the caller commits)."""
    job = ImportJob(
        program_id=program_id, requested_by_id=user.id if user else None, filename=filename[:255], data=data
    )
    session.add(job)
    session.flush()
    schedule(session, "profiles.import_csv", import_job_id=job.id)
    return job


def import_job_for(session: Session, program_id: int, job_id: int) -> ImportJob:
    job = session.get(ImportJob, job_id)
    if job is None or job.program_id != program_id:
        raise NotFound(_("Import not found."))
    return job


def start_import_job(session: Session, job: ImportJob) -> bool:
    """Mark a stored upload RUNNING (the task commits this at once); False when it already ran or was stopped.

    Read under the job's row lock: an erasure stopping it at this moment (`stop_imports_naming`) is either seen
    here or finds it running.
    """
    lock_row(session, ImportJob.status, job.id)
    session.refresh(job)
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
        requester = session.get(User, job.requested_by_id) if job.requested_by_id else None
        _audit_import(session, job.program_id, requester, {**summary.as_dict(), "import_job_id": job.id})
    session.flush()


def _audit_import(session: Session, program_id: int, user: User | None, detail: Mapping[str, object]) -> None:
    audit(
        session,
        AuditAction.PARTICIPANTS_IMPORTED,
        actor=user,
        target_type="program",
        target_id=program_id,
        program_id=program_id,
        detail=detail,
    )


def record_crash(session: Session, job_id: int, error: str) -> None:
    """Mark an import FAILED once its job gave up, so its status page stops waiting and says what to do."""
    job = session.get(ImportJob, job_id)
    if job is None or job.status in (ImportStatus.DONE, ImportStatus.FAILED):
        return
    message = _(
        "The import could not be completed (%(error)s). Nothing was imported; please upload the file again.",
        error=error[:500],
    )
    _finish(job, ImportStatus.FAILED, errors=[{"message": message}])


def stop_imports_naming(session: Session, address: str) -> int:
    """At an erasure: stop every import still waiting in the queue whose file names the person's address.

    Run later, such a file would make the person again (a new account under the old address) or write the address
    back into someone's line-manager field. The import fails at once instead, nothing of it is imported, and its
    stored file, which holds the person's row, is dropped; the message names the lines, not the person, so the
    coordination can take them out and upload the file again. Returns how many imports were stopped.
    """
    # The address as a whole, in any case (the importer lower-cases it): not inside a longer address.
    named = re.compile(rf"(?<![\w.%+-]){re.escape(address)}(?![\w-]|\.[\w-])", re.IGNORECASE)
    waiting = select(ImportJob.id).where(ImportJob.status == ImportStatus.QUEUED).order_by(ImportJob.id)
    stopped = 0
    for job_id in list(session.scalars(waiting)):
        lock_row(session, ImportJob.status, job_id)  # a worker starting it now waits, then finds it stopped
        job = session.get_one(ImportJob, job_id, populate_existing=True)
        if job.status is not ImportStatus.QUEUED or job.data is None:
            continue
        text = job.data.decode("utf-8-sig", errors="replace")
        lines = sorted({text.count("\n", 0, found.start()) + 1 for found in named.finditer(text)})
        if not lines:
            continue
        message = ngettext(
            "Nothing was imported: line %(lines)s of the file names a person whose account has since been erased. "
            "Take them out of the file and upload it again.",
            "Nothing was imported: lines %(lines)s of the file name a person whose account has since been erased. "
            "Take them out of the file and upload it again.",
            len(lines),
            lines=", ".join(str(line) for line in lines),
        )
        _finish(job, ImportStatus.FAILED, errors=[{"message": message}])
        stopped += 1
    session.flush()
    return stopped


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
