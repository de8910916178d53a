"""The mentorship lifecycle: an explicit transition table, recorded transitions, direct creation and the end date.

proposed → active ⇄ paused → completing → completed (or, renewed, active again in a new cycle);
proposed → declined; active, paused or completing → ended early.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.dates import format_day
from mentorloom.db import utcnow
from mentorloom.errors import Conflict, ValidationFailed
from mentorloom.i18n import N_, gettext
from mentorloom.i18n import gettext as _
from mentorloom.mentorships import hooks, mails, placement
from mentorloom.mentorships.access import Seat, lock
from mentorloom.mentorships.cycles import add_months as add_months  # re-exported: the demo data uses it
from mentorloom.mentorships.cycles import cycle_start, start_cycle
from mentorloom.mentorships.models import (
    ClosureReason,
    Mentorship,
    MentorshipSource,
    MentorshipStatus,
    MentorshipTransition,
)
from mentorloom.mentorships.validation import check_text
from mentorloom.permissions import Action
from mentorloom.programs.models import Program

S = MentorshipStatus
MAX_REASON = 1000


@dataclass(frozen=True)
class Rule:
    sources: frozenset[MentorshipStatus]
    target: MentorshipStatus
    permission: Action  # steer_mentorship: a coordinator may step in; work_in_pair: the pair's own decision


_STEER, _PAIR = Action.STEER_MENTORSHIP, Action.WORK_IN_PAIR
RULES: dict[str, Rule] = {
    "activate": Rule(frozenset({S.PROPOSED}), S.ACTIVE, _PAIR),
    "decline": Rule(frozenset({S.PROPOSED}), S.DECLINED, _STEER),
    "pause": Rule(frozenset({S.ACTIVE}), S.PAUSED, _STEER),
    "resume": Rule(frozenset({S.PAUSED}), S.ACTIVE, _STEER),
    "complete": Rule(frozenset({S.ACTIVE, S.PAUSED}), S.COMPLETING, _STEER),
    "finish": Rule(frozenset({S.COMPLETING}), S.COMPLETED, _STEER),
    "renew": Rule(frozenset({S.COMPLETING}), S.ACTIVE, _PAIR),
    "end_early": Rule(frozenset({S.ACTIVE, S.PAUSED, S.COMPLETING}), S.ENDED_EARLY, _STEER),
}
# Every (from, to) pair the table allows: what tests check recorded transitions against.
ALLOWED: frozenset[tuple[MentorshipStatus, MentorshipStatus]] = frozenset(
    (source, rule.target) for rule in RULES.values() for source in rule.sources
)
FINAL = frozenset({S.COMPLETED, S.DECLINED, S.ENDED_EARLY})

_STATUS_LABELS = {
    S.PROPOSED: N_("proposed"),
    S.ACTIVE: N_("active"),
    S.PAUSED: N_("paused"),
    S.COMPLETING: N_("completing"),
    S.COMPLETED: N_("completed"),
    S.DECLINED: N_("declined"),
    S.ENDED_EARLY: N_("ended early"),
}
# The same states as they stand alone, in badges and the history list; the lower-case ones above are for
# the middle of a sentence ("A mentorship that is active cannot …"), so the two are translated apart.
_STATUS_TITLES = {
    S.PROPOSED: N_("Proposed"),
    S.ACTIVE: N_("Active"),
    S.PAUSED: N_("Paused"),
    S.COMPLETING: N_("Completing"),
    S.COMPLETED: N_("Completed"),
    S.DECLINED: N_("Declined"),
    S.ENDED_EARLY: N_("Ended early"),
}
_CLOSURE_LABELS = {
    ClosureReason.GOALS_ACHIEVED: N_("goals achieved"),
    ClosureReason.LACK_OF_TIME: N_("lack of time"),
    ClosureReason.MISMATCH: N_("not the right match"),
    ClosureReason.LIFE_CIRCUMSTANCES: N_("changed life circumstances"),
    ClosureReason.OTHER: N_("another reason"),
}


def status_label(status: MentorshipStatus) -> str:
    """The state's name in the current language, to use inside a sentence."""
    return gettext(_STATUS_LABELS[status])


def status_title(status: MentorshipStatus) -> str:
    """The state's name in the current language, capitalised to stand alone (badges, lists of changes)."""
    return gettext(_STATUS_TITLES[status])


def closure_label(reason: ClosureReason) -> str:
    return gettext(_CLOSURE_LABELS[reason])


def check_transition(seat: Seat, action: str) -> Rule:
    """The rule for `action`, or 403 (coordinators may not) / 409 (not from the current state)."""
    rule = RULES[action]
    seat.require(rule.permission)
    current = seat.mentorship.status
    if current not in rule.sources:
        raise Conflict(
            _(
                "A mentorship that is %(current)s cannot become %(target)s.",
                current=status_label(current),
                target=status_label(rule.target),
            )
        )
    return rule


def transition(
    session: Session,
    mentorship: Mentorship,
    action: str,
    by: User | None,
    *,
    reason: str = "",
    closure_reason: ClosureReason | None = None,
    rematch: bool = False,
) -> MentorshipTransition:
    """Move to the action's target state and record who did it, when and why (the caller checked the rule)."""
    rule = RULES[action]
    record = MentorshipTransition(
        mentorship_id=mentorship.id,
        from_status=mentorship.status,
        to_status=rule.target,
        action=action,
        by_user_id=by.id if by else None,
        reason=reason,
        closure_reason=closure_reason,
        rematch_requested=rematch,
    )
    mentorship.status = rule.target
    if rule.target in FINAL:
        mentorship.ended_at = utcnow()
        mentorship.end_reason = closure_reason.value if closure_reason else action
    session.add(record)
    session.flush()
    placement.audit_state_change(session, mentorship, record.from_status, rule.target, action, by)
    mails.tell_pair_about_transition(session, mentorship, record, by)
    hooks.run_transition_hooks(session, mentorship, record, by)
    return record


def apply(session: Session, seat: Seat, action: str, reason: str = "") -> MentorshipTransition:
    """Apply a simple transition (decline, pause, resume, complete) with an optional reason."""
    reason = check_text(reason, "reason", MAX_REASON)
    lock(session, seat.mentorship)
    check_transition(seat, action)
    return transition(session, seat.mentorship, action, seat.user, reason=reason)


def start(session: Session, mentorship: Mentorship, program: Program, by: User | None) -> MentorshipTransition | None:
    """Set the start, cycle and planned end of a mentorship that begins now (recorded when it was proposed)."""
    start_cycle(mentorship, program.duration_months)
    if mentorship.status is S.PROPOSED:
        return transition(session, mentorship, "activate", by)
    session.flush()
    return None


def accept(session: Session, seat: Seat, program: Program) -> Mentorship:
    """One side accepts a proposed mentorship; once both have, it becomes active."""
    side = seat.require_pair()
    lock(session, seat.mentorship)
    mentorship = seat.mentorship
    check_transition(seat, "activate")
    setattr(mentorship, f"{side.value}_accepted_at", utcnow())
    if mentorship.mentor_accepted_at and mentorship.mentee_accepted_at:
        start(session, mentorship, program, seat.user)
    session.flush()
    return mentorship


def end_early(
    session: Session, seat: Seat, closure_reason: ClosureReason, note: str = "", *, rematch: bool = True
) -> MentorshipTransition:
    """End before the planned end, with a closure reason; the mentee is offered re-matching."""
    note = check_text(note, "note", MAX_REASON)
    lock(session, seat.mentorship)
    check_transition(seat, "end_early")
    mentorship = seat.mentorship
    mentorship.closure_reason, mentorship.rematch_requested = closure_reason, rematch
    return transition(
        session, mentorship, "end_early", seat.user, reason=note, closure_reason=closure_reason, rematch=rematch
    )


def end_for_mismatch(session: Session, mentorship: Mentorship) -> MentorshipTransition:
    """The fit check found no fit: end without naming anyone; the mentee is re-matched with priority.

    The reason stays empty: it holds the pair's own words, and neither of them wrote any. `rematch_priority`
    is what marks this ending.
    """
    mentorship.closure_reason = ClosureReason.MISMATCH
    mentorship.rematch_requested = mentorship.rematch_priority = True
    return transition(session, mentorship, "end_early", None, closure_reason=ClosureReason.MISMATCH, rematch=True)


def set_planned_end(session: Session, seat: Seat, planned_end_on: date) -> Mentorship:
    """The pair moves their planned end date; it must lie after the start."""
    seat.require_pair()
    mentorship = seat.mentorship
    if mentorship.status in FINAL:
        raise Conflict(
            _("A mentorship that is %(current)s has no planned end.", current=status_label(mentorship.status))
        )
    start = cycle_start(mentorship)
    if planned_end_on <= start.date():
        raise ValidationFailed(
            _("The planned end must be after the start (%(start)s).", start=format_day(start)),
            field="planned_end_on",
        )
    mentorship.planned_end_on = planned_end_on
    session.flush()
    return mentorship


def create_direct(session: Session, program: Program, by: User, mentor_id: int, mentee_id: int) -> Mentorship:
    """A coordinator proposes a pair directly; the mentor's capacity is respected, both then accept."""
    return placement.place(
        session,
        program,
        mentor_id=mentor_id,
        mentee_id=mentee_id,
        source=MentorshipSource.COORDINATOR,
        by=by,
        status=S.PROPOSED,
    )
