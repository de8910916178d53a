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
        status = import_job.status.value
    if status == "done":
        ctx.jobs.enqueue("profiles.embed", program_id=import_job.program_id)
    return status


EMBED_BATCH = 64


@job("profiles.embed")
def embed_program_profiles(ctx: JobContext, *, program_id: int) -> int:
    """Embed every profile of a program whose text changed since it was last embedded; returns how many."""
    from mentorloom.profiles.embeddings import encoder_named
    from mentorloom.profiles.service import embed_profiles, stale_embedding_ids

    encoder = encoder_named(ctx.settings.text_encoder)
    with ctx.database.session() as session:
        ids = stale_embedding_ids(session, program_id, encoder.name)
    for start in range(0, len(ids), EMBED_BATCH):
        # One transaction per batch, so a large import's embeddings appear progressively.
        with ctx.database.session() as session:
            embed_profiles(session, ids[start : start + EMBED_BATCH], encoder)
    return len(ids)
