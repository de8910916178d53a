"""Profile jobs: large CSV imports."""

from __future__ import annotations

from mentorloom.jobs import JobContext, job
from mentorloom.profiles.models import ImportJob


@job("profiles.import_csv")
def import_csv(ctx: JobContext, *, import_job_id: int) -> str:
    """Run a stored participant import; safe to deliver twice."""
    from mentorloom.profiles.import_jobs import run_import_job

    with ctx.database.session() as session:
        import_job = session.get(ImportJob, import_job_id)
        if import_job is None:
            return "missing"
        run_import_job(session, import_job)
        return import_job.status.value
