"""Periodic meeting jobs, run by `mentorloom worker` (or `serve --with-worker`).

Each is a sweep over the current state with idempotent notification keys: a worker killed half-way and started
again sends what is missing and nothing twice.
"""

from __future__ import annotations

from huey import crontab

from mentorloom.jobs import JobContext, job
from mentorloom.meetings import notices


@job("meetings.reminders", every=crontab(minute="*/10"))
def reminders(ctx: JobContext) -> int:
    """Every ten minutes: reminders for meetings in the next 24 hours, and "did it take place?" after them."""
    with ctx.database.session() as session:
        now = ctx.clock()
        return notices.send_reminders(session, now) + notices.send_followups(session, now)


@job("meetings.overdue", every=crontab(minute="20", hour="8"))
def overdue_nudges(ctx: JobContext) -> int:
    """Daily: a nudge to pairs without a meeting for their overdue factor × their interval."""
    with ctx.database.session() as session:
        return notices.send_overdue_nudges(session, ctx.clock())


@job("meetings.coordinator_digest", every=crontab(minute="0", hour="7", day_of_week="1"))
def coordinator_digest(ctx: JobContext) -> int:
    """Mondays: the week's figures for each program's coordinators."""
    with ctx.database.session() as session:
        return notices.send_coordinator_digests(session, ctx.clock())
