"""Mail delivery jobs: one wake-up per queued mail, the outbox sweeper and the daily digest."""

from __future__ import annotations

from datetime import datetime

from huey import crontab
from sqlalchemy.orm import Session

from mentorloom.jobs import JobContext, job, sweeper
from mentorloom.notifications.delivery import deliver, sweep_outbox
from mentorloom.notifications.digest import queue_digests
from mentorloom.notifications.service import DELIVER_TASK


@job(DELIVER_TASK)
def deliver_mail(ctx: JobContext, *, mail_id: int) -> str:
    """Deliver one outbox mail (the outbox row, not the queue, is the durable record)."""
    return deliver(ctx, mail_id)


@sweeper("notifications.outbox")
def recover_outbox(session: Session, now: datetime) -> int:
    return sweep_outbox(session, now)


DIGEST_TASK = "notifications.daily_digest"
DIGEST_HOUR = 6  # UTC: the morning in Europe; later runs of the day find the digest queued already


@job(DIGEST_TASK, every=crontab(minute="5"))
def daily_digest(ctx: JobContext) -> int:
    """Queue the day's digests; hourly, so a worker that was down at the digest hour catches up an hour later."""
    now = ctx.clock()
    if now.hour < DIGEST_HOUR:
        return 0
    with ctx.database.session() as session:
        return queue_digests(session, now.date(), now)
