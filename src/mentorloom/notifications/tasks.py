"""Mail delivery jobs: one wake-up per queued mail, and the outbox sweeper."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from mentorloom.jobs import JobContext, job, sweeper
from mentorloom.notifications.delivery import deliver, sweep_outbox
from mentorloom.notifications.service import DELIVER_TASK


@job(DELIVER_TASK)
def deliver_mail(ctx: JobContext, *, mail_id: int) -> str:
    """Deliver one outbox mail (the outbox row, not the queue, is the durable record)."""
    return deliver(ctx, mail_id)


@sweeper("notifications.outbox")
def recover_outbox(session: Session, now: datetime) -> int:
    return sweep_outbox(session, now)
