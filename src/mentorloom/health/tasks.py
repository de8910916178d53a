"""Periodic health jobs, run by `mentorloom worker` (or `serve --with-worker`).

Each is a sweep over the current state with idempotent keys: a worker killed half-way and started again does
what is missing and nothing twice. Each program is committed on its own, so one program's trouble (or a kill)
does not undo what was done for the programs before it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from huey import crontab
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.health import inactivity, pulse, service  # with the worker: the warning mail's context hook
from mentorloom.jobs import JobContext, job
from mentorloom.programs.models import Program


def _per_program(ctx: JobContext, step: Callable[[Session, Program, datetime], int]) -> int:
    """Run `step` for every program, committing each on its own; the sum of what the steps counted."""
    done = 0
    with ctx.database.session() as session:
        for program_id in list(session.scalars(select(Program.id).order_by(Program.id))):
            done += step(session, session.get_one(Program, program_id), ctx.clock())
            session.commit()
    return done


def _sweep_inactivity(session: Session, program: Program, now: datetime) -> int:
    outcome = inactivity.sweep_program(session, program, now)
    return len(outcome.warned) + len(outcome.concluded)


@job("health.recompute", every=crontab(minute="40", hour="4"))
def recompute_all(ctx: JobContext) -> int:
    """Daily: score every pair under way in every program (days pass: a pair drifts without any event)."""
    return _per_program(ctx, service.recompute_program)


@job("health.inactivity", every=crontab(minute="10", hour="5"))
def inactivity_sweep(ctx: JobContext) -> int:
    """Daily: warn pairs silent for N-7 days (once per quiet stretch), conclude those warned a week ago."""
    return _per_program(ctx, _sweep_inactivity)


@job("health.pulse_invites", every=crontab(minute="30", hour="9"))
def pulse_invites(ctx: JobContext) -> int:
    """Daily: tell each mentee once per period that a new pulse is open (programs that ask for it)."""
    return _per_program(ctx, pulse.invite_open)
