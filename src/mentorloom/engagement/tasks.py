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
