"""Placing a mentee with a mentor: the only way a pair is created, and the slot count it relies on.

Matching (accepted offers and requests) and coordinators all come here, so every path takes the same locks
in the same order and applies the same checks: a mentee has at most one live mentorship in the program,
and a mentor never takes more mentees than their capacity.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record as audit
from mentorloom.errors import Conflict, ValidationFailed
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.cycles import start_cycle
from mentorloom.mentorships.models import (
    OCCUPYING,
    Mentorship,
    MentorshipSource,
    MentorshipStatus,
    MentorshipTransition,
)
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, Program, Role, role_label

# Per mentor, slots another domain holds before a pair exists (matching's published offers).
SlotCounter = Callable[[Session, int], dict[int, int]]
_slot_holders: list[SlotCounter] = []


def holds_slots(counter: SlotCounter) -> SlotCounter:
    """Register another domain's claims on mentors' slots (a decorator).

    Matching imports mentorships, not the other way round; so it registers its published offers here
    instead of this module asking for them.
    """
    if counter not in _slot_holders:
        _slot_holders.append(counter)
    return counter


def occupied_slots(session: Session, program_id: int) -> dict[int, int]:
    """Per mentor: live mentorships plus the slots other domains hold (offers awaiting an answer)."""
    rows = session.execute(
        select(Mentorship.mentor_id, func.count())
        .where(Mentorship.program_id == program_id, Mentorship.status.in_(OCCUPYING))
        .group_by(Mentorship.mentor_id)
    )
    load: dict[int, int] = {mentor_id: n for mentor_id, n in rows}
    for counter in _slot_holders:
        for mentor_id, n in counter(session, program_id).items():
            load[mentor_id] = load.get(mentor_id, 0) + n
    return load


def lock_pair(session: Session, mentee_id: int, mentor_id: int) -> None:
    """Serialise every placement of this mentee or with this mentor until the transaction ends.

    Always the mentee's membership row first, then the mentor's: three mentors accepting the same mentee
    at once queue on the mentee instead of each holding a row another one waits for (a deadlock). Callers
    that write related rows (the request or offer being answered) lock before those writes, for the same
    reason. On SQLite the first write takes the database's write lock, so the no-op UPDATE serialises the
    check and the insert that follow.
    """
    for membership_id in (mentee_id, mentor_id):
        if session.get_bind().dialect.name == "postgresql":
            # NO KEY UPDATE: placements queue here, but rows that merely reference the membership do not.
            session.execute(select(Membership.id).where(Membership.id == membership_id).with_for_update(key_share=True))
        else:
            session.execute(
                update(Membership)
                .where(Membership.id == membership_id)
                .values(role=Membership.role)
                .execution_options(synchronize_session=False)
            )


def place(
    session: Session,
    program: Program,
    *,
    mentor_id: int,
    mentee_id: int,
    source: MentorshipSource,
    by: User | None,
    status: MentorshipStatus = MentorshipStatus.ACTIVE,
) -> Mentorship:
    """Create a pair (active, or proposed for both to accept): lock, check mentee and mentor, record the start."""
    lock_pair(session, mentee_id, mentor_id)
    mentee = _participant(session, program, mentee_id, Role.MENTEE)
    mentor = _participant(session, program, mentor_id, Role.MENTOR)
    _require_free(session, mentee)
    _require_slot(session, program, mentor)
    mentorship = Mentorship(
        program_id=program.id, mentor_id=mentor.id, mentee_id=mentee.id, source=source, status=status
    )
    if status is MentorshipStatus.ACTIVE:
        start_cycle(mentorship, program.duration_months)
    try:
        with session.begin_nested():
            session.add(mentorship)
    except IntegrityError as exc:  # the unique index, should a path ever skip the lock
        raise _busy(mentee) from exc
    if status is MentorshipStatus.ACTIVE:
        # Accepting an offer or a request is the activation of a proposed pair, recorded like any other.
        session.add(
            MentorshipTransition(
                mentorship_id=mentorship.id,
                from_status=MentorshipStatus.PROPOSED,
                to_status=MentorshipStatus.ACTIVE,
                action="activate",
                by_user_id=by.id if by else None,
            )
        )
    session.flush()
    audit_state_change(session, mentorship, None, status, "place", by)
    return mentorship


def audit_state_change(
    session: Session,
    mentorship: Mentorship,
    before: MentorshipStatus | None,
    after: MentorshipStatus,
    action: str,
    by: User | None,
) -> None:
    """Every mentorship state change goes into the audit log (from and to; reasons stay in the pair's record)."""
    audit(
        session,
        AuditAction.MENTORSHIP_STATE_CHANGED,
        actor=by,
        target_type="mentorship",
        target_id=mentorship.id,
        program_id=mentorship.program_id,
        detail={"from": before.value if before else None, "to": after.value, "action": action},
    )


def _participant(session: Session, program: Program, membership_id: int, role: Role) -> Membership:
    membership = session.get(Membership, membership_id)
    # an erased person's membership stays (program figures), but no new mentorship is placed on it
    if (
        membership is None
        or membership.program_id != program.id
        or membership.role is not role
        or membership.user.erased_at is not None
    ):
        field = "mentor_id" if role is Role.MENTOR else "mentee_id"
        raise ValidationFailed(_("Choose a %(role)s of this program.", role=role_label(role)), field=field)
    return membership


def _require_free(session: Session, mentee: Membership) -> None:
    live = session.scalar(
        select(Mentorship.id).where(Mentorship.mentee_id == mentee.id, Mentorship.status.in_(OCCUPYING)).limit(1)
    )
    if live is not None:
        raise _busy(mentee)


def _busy(mentee: Membership) -> Conflict:
    return Conflict(
        _(
            "%(name)s already has a mentorship in this program; a mentee has one mentor at a time.",
            name=mentee.user.display_name,
        ),
        field="mentee_id",
    )


def _require_slot(session: Session, program: Program, mentor: Membership) -> None:
    # Read the capacity from the database, not the session: it may have changed while we waited for the lock.
    capacity = session.scalar(select(Profile.capacity).where(Profile.membership_id == mentor.id)) or 0
    if occupied_slots(session, program.id).get(mentor.id, 0) >= capacity:
        raise Conflict(_("%(name)s has no free mentoring slot left.", name=mentor.user.display_name), field="mentor_id")
