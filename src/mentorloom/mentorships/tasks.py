"""Periodic mentorship jobs, run by `mentorloom worker` (or `serve --with-worker`)."""

from __future__ import annotations

from huey import crontab

from mentorloom.jobs import JobContext, job
from mentorloom.mentorships import reminders


@job("mentorships.reminders", every=crontab(minute="40", hour="8"))
def due_reminders(ctx: JobContext) -> int:
    """Daily: tell each side of a pair whose fit check or review round is open and waits for their answer."""
    with ctx.database.session() as session:
        now = ctx.clock()
        return reminders.remind_fit_checks(session, now) + reminders.remind_reviews(session, now)
