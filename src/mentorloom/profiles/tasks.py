"""Profile jobs: large CSV imports and bio embeddings."""

from __future__ import annotations

from mentorloom.jobs import JobContext, job
from mentorloom.profiles.models import ImportJob, ImportStatus


@job("profiles.import_csv")
def import_csv(ctx: JobContext, *, import_job_id: int) -> str:
    """Run a stored participant import; safe to deliver twice.

    "running" is committed first so the status page shows it at once, and any unexpected error marks the
    job failed in a transaction of its own (the import's is rolled back), so the page stops polling.
    """
    from mentorloom.profiles.import_jobs import record_crash, run_import_job, start_import_job

    with ctx.database.session() as session:
        import_job = session.get(ImportJob, import_job_id)
        if import_job is None:
            return "missing"
        if not start_import_job(import_job):
            return import_job.status.value
        program_id = import_job.program_id
    try:
        with ctx.database.session() as session:
            import_job = session.get(ImportJob, import_job_id)
            assert import_job is not None
            run_import_job(session, import_job)
            status = import_job.status
    except Exception as exc:
        with ctx.database.session() as session:
            record_crash(session, import_job_id, exc)
        raise
    if status is ImportStatus.DONE:
        ctx.jobs.enqueue("profiles.embed", program_id=program_id)
    return status.value


EMBED_BATCH = 64


@job("profiles.embed")
def embed_program_profiles(ctx: JobContext, *, program_id: int, membership_ids: list[int] | None = None) -> int:
    """Embed the program's profiles whose text changed since they were last embedded; returns how many.

    A single profile save passes its own id in `membership_ids`, so it does not re-hash every bio of the program.
    """
    from mentorloom.profiles.embeddings import encoder_named
    from mentorloom.profiles.service import embed_profiles, stale_embedding_ids

    encoder = encoder_named(ctx.settings.text_encoder)
    with ctx.database.session() as session:
        ids = stale_embedding_ids(session, program_id, encoder.name, membership_ids)
    for start in range(0, len(ids), EMBED_BATCH):
        # One transaction per batch, so a large import's embeddings appear progressively.
        with ctx.database.session() as session:
            embed_profiles(session, ids[start : start + EMBED_BATCH], encoder)
    return len(ids)
