"""Retention: ended mentorships lose their free texts after the program's `retention_months`, and people with
nothing left going on are then erased.

A mentorship is due when it ended (completed, ended early or declined) before the cut-off; it keeps its dates,
states, sides and numbers for the program's figures (privacy.scrub). A person of such a pair is erased
(privacy.erasure) once they are dormant everywhere: no coordinator role, no instance administration, every
membership older than its program's cut-off in a program that applies retention, every mentorship of theirs
already anonymised (so none under way or recently ended), and no sign-in since the cut-off.

Everything is keyed on `anonymised_at` and `erased_at`, so a second run (or one after a crash) finds only what
is still due. The caller commits, one program at a time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.audit.models import AuditAction
from mentorloom.audit.service import record
from mentorloom.db import as_utc, lock_row
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.privacy import scrub
from mentorloom.privacy.erasure import erase_person
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.service import program_settings


@dataclass(frozen=True)
class RetentionRun:
    mentorships: int  # anonymised in this run
    people: int  # erased in this run


def cutoff_of(program: Program, now: datetime) -> datetime | None:
    """Mentorships that ended before this moment are due; None: the program keeps everything."""
    months = program_settings(program).retention_months
    return now - relativedelta(months=months) if months else None


def apply_retention(session: Session, program: Program, now: datetime) -> RetentionRun:
    """Anonymise the program's due mentorships, then erase their people who are dormant everywhere."""
    cutoff = cutoff_of(program, now)
    if cutoff is None:
        return RetentionRun(0, 0)
    # every worker runs the periodic jobs: a second run of the same program waits here, then finds nothing due
    lock_row(session, Program.name, program.id)
    due = session.scalars(
        select(Mentorship)
        .where(
            Mentorship.program_id == program.id,
            Mentorship.status.not_in(OCCUPYING),
            Mentorship.anonymised_at.is_(None),
            func.coalesce(Mentorship.ended_at, Mentorship.created_at) < cutoff,
        )
        .order_by(Mentorship.id)
    ).all()
    for mentorship in due:
        scrub.scrub_mentorship(session, mentorship, now)
    erased = 0
    for user in _candidates(session, program):
        if _dormant(session, user, now):
            erase_person(session, user, by=None, now=now, audited=False)
            erased += 1
    if due or erased:
        detail = {"mentorships": len(due), "people": erased}
        record(
            session,
            AuditAction.RETENTION_ANONYMISED,
            actor=None,
            target_type="program",
            target_id=program.id,
            program_id=program.id,
            detail=detail,
        )
    return RetentionRun(len(due), erased)


def _candidates(session: Session, program: Program) -> list[User]:
    """Not yet erased people of the program's anonymised mentorships (also those a crashed run left)."""
    anonymised = select(Mentorship).where(Mentorship.program_id == program.id, Mentorship.anonymised_at.is_not(None))
    sides = anonymised.with_only_columns(Mentorship.mentor_id).union(anonymised.with_only_columns(Mentorship.mentee_id))
    query = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.id.in_(sides), User.erased_at.is_(None), User.is_admin.is_(False))
        .distinct()
        .order_by(User.id)
    )
    return list(session.scalars(query))


def _dormant(session: Session, user: User, now: datetime) -> bool:
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    latest_cutoff: datetime | None = None
    for membership in memberships:
        cutoff = cutoff_of(membership.program, now)
        if membership.role is Role.COORDINATOR or cutoff is None or as_utc(membership.created_at) >= cutoff:
            return False
        latest_cutoff = cutoff if latest_cutoff is None else max(latest_cutoff, cutoff)
    if latest_cutoff is None or (user.last_login_at is not None and as_utc(user.last_login_at) >= latest_cutoff):
        return False
    ids = [m.id for m in memberships]
    still_open = session.scalar(
        select(func.count())
        .select_from(Mentorship)
        .where(
            or_(Mentorship.mentor_id.in_(ids), Mentorship.mentee_id.in_(ids)),
            Mentorship.anonymised_at.is_(None),
        )
    )
    return not still_open
