"""The daily retention job, run by `mentorloom worker` (or `serve --with-worker`).

One transaction per program: a crash undoes at most the program it was in, and the next run finds what is still
due by `anonymised_at` and `erased_at` (privacy.retention), so running it twice changes nothing the second time.
"""

from __future__ import annotations

from huey import crontab
from sqlalchemy import select

from mentorloom.jobs import JobContext, job
from mentorloom.privacy.retention import apply_retention
from mentorloom.programs.models import Program

RETENTION_JOB = "privacy.retention"


@job(RETENTION_JOB, every=crontab(minute="20", hour="3"))
def retention_sweep(ctx: JobContext) -> int:
    """Daily: anonymise mentorships ended longer ago than their program keeps them; how many were."""
    done = 0
    with ctx.database.session() as session:
        for program_id in list(session.scalars(select(Program.id).order_by(Program.id))):
            outcome = apply_retention(session, session.get_one(Program, program_id), ctx.clock())
            session.commit()
            done += outcome.mentorships
    return done
