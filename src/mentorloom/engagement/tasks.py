"""Periodic engagement jobs, run by `mentorloom worker` (or `serve --with-worker`).

Each is a sweep over the current state with idempotent keys: a worker killed half-way and started again does
what is missing and nothing twice.
"""

from __future__ import annotations

# --- milestones (celebrations) ---------------------------------------------------------------------------
import huey as _huey

from mentorloom import jobs as _jobs


@_jobs.job("engagement.milestones", every=_huey.crontab(minute="40", hour="6"))
def milestone_sweep(ctx: _jobs.JobContext) -> int:
    """Daily: the 3, 6 and 12 months together milestones of every pair under way (once each, by code)."""
    from mentorloom.engagement import milestones

    with ctx.database.session() as session:
        return milestones.sweep(session, ctx.clock())


# --- messages: one batched mail about unread messages (messages_mail) -----------------------------------
from mentorloom.jobs import JobContext as _MessageJobContext  # noqa: E402
from mentorloom.jobs import job as _message_job  # noqa: E402


@_message_job("engagement.message_mail", every=_huey.crontab(minute="*/3"))
def message_mail(ctx: _MessageJobContext) -> int:
    """Every three minutes: one mail (as each person wants it) about a partner's messages unread for 10 minutes."""
    from mentorloom.engagement import messages_mail

    with ctx.database.session() as session:
        return messages_mail.send_mails(session, ctx.clock())
