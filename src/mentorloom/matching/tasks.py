"""Matching jobs: compute a run, expire old requests. (Offer and request mails go through the outbox.)"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from huey import crontab
from sqlalchemy import update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.jobs import JobContext, job
from mentorloom.matching.models import MatchRun, RunStatus

log = logging.getLogger(__name__)


def _run_failed(session: Session, payload: dict[str, Any], error: str) -> None:
    """The run's job failed for good (errors, or its worker died on the last attempt): free the program."""
    run = session.get(MatchRun, payload["run_id"])
    if run is not None and run.status in (RunStatus.QUEUED, RunStatus.RUNNING):
        run.status, run.error, run.finished_at = RunStatus.FAILED, error[:2000], utcnow()


@job("matching.run", max_attempts=2, on_failure=_run_failed)
def run_matching(ctx: JobContext, *, run_id: int) -> str:
    """Compute a queued run; "running" is committed first so the coordinator's page shows it at once.

    A retry after a crash starts again from the stored inputs: the proposals are written in one transaction.
    """
    from mentorloom.matching.service import compute_run

    with ctx.database.session() as session:
        run = session.get(MatchRun, run_id)
        if run is None or run.status not in (RunStatus.QUEUED, RunStatus.RUNNING):
            return "skipped"
        run.status, run.progress = RunStatus.RUNNING, 10
    with ctx.database.session() as session:
        run = session.get(MatchRun, run_id)
        assert run is not None
        compute_run(session, run, _progress_recorder(ctx, run_id))
        return run.status.value


def _progress_recorder(ctx: JobContext, run_id: int) -> Callable[[int], None]:
    """A progress callback that commits the run's percentage in a short transaction of its own.

    The coordinator's page then sees it while the run's own transaction is still open; steps under 5 points
    are skipped to keep the writes few.
    """
    shown = 0

    def record(pct: int) -> None:
        nonlocal shown
        if pct < shown + 5:
            return
        shown = pct
        try:
            with ctx.database.session() as session:
                session.execute(update(MatchRun).where(MatchRun.id == run_id).values(progress=pct))
        except SQLAlchemyError:  # the bar is cosmetic: a busy or dropped database must not fail the run
            log.warning("could not record progress %s%% of matching run %s", pct, run_id, exc_info=True)

    return record


@job("matching.expire_requests", every=crontab(minute="*/15"))
def expire_old_requests(ctx: JobContext) -> int:
    from mentorloom.matching.mentor_requests import expire_requests

    with ctx.database.session() as session:
        return expire_requests(session)
