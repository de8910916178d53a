"""Profile jobs: large CSV imports, bio embeddings, and a periodic pass for embeddings still missing."""

from __future__ import annotations

from typing import Any

from huey import crontab
from sqlalchemy.orm import Session

from mentorloom.jobs import JobContext, job, schedule
from mentorloom.profiles.models import ImportJob, ImportStatus
from mentorloom.profiles.service import EMBED_JOB
from mentorloom.profiles.tags import TAG_EMBED_JOB


def _import_failed(session: Session, payload: dict[str, Any], error: str) -> None:
    from mentorloom.profiles.import_jobs import record_crash

    record_crash(session, payload["import_job_id"], error)


@job("profiles.import_csv", max_attempts=2, on_failure=_import_failed)
def import_csv(ctx: JobContext, *, import_job_id: int) -> str:
    """Run a stored participant import; safe to deliver twice, and to retry after a crash.

    "running" is committed first so the status page shows it at once. The import itself is one transaction:
    a worker killed half-way leaves nothing behind, and the retry starts from the stored upload.
    """
    from mentorloom.profiles.import_jobs import run_import_job, start_import_job

    with ctx.database.session() as session:
        import_job = session.get(ImportJob, import_job_id)
        if import_job is None:
            return "missing"
        if not start_import_job(session, import_job):
            return import_job.status.value
    with ctx.database.session() as session:
        import_job = session.get_one(ImportJob, import_job_id)
        run_import_job(session, import_job)
        if import_job.status is ImportStatus.DONE:
            schedule(session, EMBED_JOB, key=f"{EMBED_JOB}:{import_job.program_id}", program_id=import_job.program_id)
        return import_job.status.value


EMBED_BATCH = 64
TAG_BATCH = 256


@job(EMBED_JOB)
def embed_program_profiles(ctx: JobContext, *, program_id: int, membership_ids: list[int] | None = None) -> int:
    """Embed the program's profiles whose text changed since they were last embedded; returns how many.

    A single profile save passes its own id in `membership_ids`, so it does not re-hash every bio of the program.
    Each batch commits: a retry after a crash skips what is already embedded.
    """
    from mentorloom.profiles.embeddings import encoder_named
    from mentorloom.profiles.service import embed_profiles, stale_embedding_ids

    encoder = encoder_named(ctx.settings.text_encoder)
    with ctx.database.session() as session:
        ids = stale_embedding_ids(session, program_id, encoder.name, membership_ids)
    for start in range(0, len(ids), EMBED_BATCH):
        with ctx.database.session() as session:
            embed_profiles(session, ids[start : start + EMBED_BATCH], encoder)
    return len(ids)


@job(TAG_EMBED_JOB)
def embed_new_tags(ctx: JobContext) -> int:
    """Embed every tag not yet embedded by the configured encoder, in committed batches; returns how many."""
    from mentorloom.profiles.embeddings import encoder_named
    from mentorloom.profiles.tags import embed_tags, stale_tag_ids

    encoder, done = encoder_named(ctx.settings.text_encoder), 0
    while True:
        with ctx.database.session() as session:
            ids = stale_tag_ids(session, encoder.name, limit=TAG_BATCH)
            done += embed_tags(session, ids, encoder)
        if len(ids) < TAG_BATCH:
            return done


@job("profiles.embed_missing", every=crontab(minute="7"))
def embed_missing(ctx: JobContext) -> int:
    """Hourly: schedule an embedding pass for every program with a profile whose embedding is missing or stale,
    and one for tags still without an embedding (e.g. from before tags were embedded, or a new encoder)."""
    from mentorloom.profiles.embeddings import encoder_named
    from mentorloom.profiles.service import programs_with_stale_embeddings
    from mentorloom.profiles.tags import stale_tag_ids

    model = encoder_named(ctx.settings.text_encoder).name
    with ctx.database.session() as session:
        programs = programs_with_stale_embeddings(session, model)
        for program_id in programs:
            schedule(session, EMBED_JOB, key=f"{EMBED_JOB}:{program_id}", program_id=program_id)
        if stale_tag_ids(session, model, limit=1):
            schedule(session, TAG_EMBED_JOB, key=TAG_EMBED_JOB)
    return len(programs)
