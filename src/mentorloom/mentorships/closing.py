"""The completing phase: each side's closing retrospective, then finishing or renewing for another cycle."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.errors import Conflict
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import agreements, goals, lifecycle
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import (
    Agreement,
    GoalStatus,
    Mentorship,
    MentorshipStatus,
    MentorshipTransition,
    Retrospective,
    Side,
)
from mentorloom.mentorships.validation import Checks, check_text
from mentorloom.permissions import Action
from mentorloom.programs.models import Program

MAX_RETRO = 2000
RETRO_FIELDS = ("what_worked", "what_we_learned", "what_next")
FINISHED_GOALS = frozenset({GoalStatus.ACHIEVED, GoalStatus.DROPPED})


@dataclass
class RetroText:
    what_worked: str = ""
    what_we_learned: str = ""
    what_next: str = ""


def retrospectives(session: Session, mentorship: Mentorship, cycle: int | None = None) -> dict[Side, Retrospective]:
    """Both sides' retrospectives of a cycle (default: the current one), private to the pair."""
    rows = session.scalars(
        select(Retrospective).where(
            Retrospective.mentorship_id == mentorship.id, Retrospective.cycle == (cycle or mentorship.cycle)
        )
    )
    return {row.side: row for row in rows}


def write_retrospective(session: Session, seat: Seat, text: RetroText) -> Retrospective:
    """Write or rewrite the caller's closing retrospective while the mentorship is completing."""
    side = seat.require_pair()
    checks = Checks()
    values = {f: checks.text(getattr(text, f), f, MAX_RETRO) for f in RETRO_FIELDS}
    if not any(values.values()):
        checks.fail("what_worked", _("Write at least one of the three answers."))
    checks.done()
    lock(session, seat.mentorship)
    mentorship = seat.mentorship
    if mentorship.status is not MentorshipStatus.COMPLETING:
        raise Conflict(
            _(
                "Closing retrospectives are written while a mentorship is completing; this one is %(current)s.",
                current=lifecycle.status_label(mentorship.status),
            )
        )
    retro = retrospectives(session, mentorship).get(side)
    if retro is None:
        retro = Retrospective(mentorship_id=mentorship.id, cycle=mentorship.cycle, side=side)
        session.add(retro)
    for field, value in values.items():
        setattr(retro, field, value)
    retro.updated_at = utcnow()
    session.flush()
    return retro


def finish(session: Session, seat: Seat, reason: str = "") -> MentorshipTransition:
    """Complete the mentorship: the pair once both retrospectives are written; a coordinator at any time."""
    reason = check_text(reason, "reason", lifecycle.MAX_REASON)
    lock(session, seat.mentorship)
    lifecycle.check_transition(seat, "finish")
    if not seat.can(Action.FINISH_ANY_TIME) and len(retrospectives(session, seat.mentorship)) < 2:
        raise Conflict(_("Both of you write a closing retrospective before the mentorship is completed."))
    return lifecycle.transition(session, seat.mentorship, "finish", seat.user, reason=reason)


def renew(session: Session, seat: Seat, program: Program, note: str = "") -> Agreement:
    """Start another cycle: back to active, with a new agreement (cycle + 1) copied from the last one."""
    note = agreements.checked_note(note)
    lock(session, seat.mentorship)
    lifecycle.check_transition(seat, "renew")
    mentorship = seat.mentorship
    previous = agreements.in_force(session, mentorship) or agreements.current(session, mentorship)
    lifecycle.transition(session, mentorship, "renew", seat.user, reason=note)
    mentorship.cycle += 1
    start_cycle(mentorship, previous.planned_months if previous else program.duration_months)
    session.flush()
    if previous is None:
        fresh = agreements.ensure_current(session, mentorship, program)
        assert fresh is not None
        return fresh
    # Finished goals stay with the cycle they belong to; open ones carry on (same key, same progress log).
    done = {key for key, s in goals.states(session, mentorship).items() if s.status in FINISHED_GOALS}
    return agreements.copy_version(session, previous, seat.user, note, cycle=mentorship.cycle, skip_keys=done)
