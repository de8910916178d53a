"""Loading a mentorship with the caller's seat in it: one of the two people (each their side) or coordination.

Every mentorship endpoint loads its mentorship here; what each seat may do is decided in `permissions`
(view_mentorship, steer_mentorship, work_in_pair, ...). Anyone who may not see it gets 404, as for other programs.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, aliased

from mentorloom import permissions
from mentorloom.accounts.models import User
from mentorloom.db import lock_row
from mentorloom.errors import NotFound
from mentorloom.i18n import gettext as _
from mentorloom.mentorships.models import Mentorship, Side
from mentorloom.permissions import Action, may, program_and_membership
from mentorloom.programs.models import Membership, Program, Role


@dataclass(frozen=True)
class Seat:
    """The caller's view of one mentorship: a side of the pair, or the program's coordination."""

    mentorship: Mentorship
    user: User
    side: Side | None  # None: a coordinator (or instance admin) looking in
    program: Program
    role: Role | None = None  # the caller's role in the program; by default that of their side

    @property
    def caller_role(self) -> Role | None:
        if self.role is None and self.side is not None:
            return Role(self.side.value)
        return self.role

    def can(self, action: Action) -> bool:
        """Whether the caller may take `action` on this mentorship (their own one if they are of the pair)."""
        return permissions.can(action, self.caller_role, own=self.in_pair, admin=self.user.is_admin)

    def require(self, action: Action) -> None:
        permissions.require(action, self.caller_role, own=self.in_pair, admin=self.user.is_admin)

    @property
    def in_pair(self) -> bool:
        return self.side is not None

    @property
    def partner_side(self) -> Side | None:
        if self.side is None:
            return None
        return Side.MENTEE if self.side is Side.MENTOR else Side.MENTOR

    def require_pair(self) -> Side:
        """The caller's side, for the pair's own work; coordinators may look but not act for the pair."""
        self.require(Action.WORK_IN_PAIR)
        assert self.side is not None  # work_in_pair is for the two people only
        return self.side


def visible_mentorships(session: Session, user: User, program_id: int) -> Select[Mentorship]:
    """A query of the program's mentorships this user may see (all for coordinators, else their own)."""
    query = select(Mentorship).where(Mentorship.program_id == program_id)
    if may(session, user, Action.VIEW_MENTORSHIP, program_id):  # any of them, not only their own
        return query
    mentor, mentee = aliased(Membership), aliased(Membership)
    return (
        query.join(mentor, mentor.id == Mentorship.mentor_id)
        .join(mentee, mentee.id == Mentorship.mentee_id)
        .where((mentor.user_id == user.id) | (mentee.user_id == user.id))
    )


def side_of(mentorship: Mentorship, user: User) -> Side | None:
    if mentorship.mentor.user_id == user.id:
        return Side.MENTOR
    if mentorship.mentee.user_id == user.id:
        return Side.MENTEE
    return None


def seat_for(session: Session, user: User, program_id: int, mentorship_id: int) -> Seat:
    """Load a mentorship for this user, or 404 when they may not see it."""
    program, mine = program_and_membership(session, user, program_id)
    mentorship = session.get(Mentorship, mentorship_id)
    if mentorship is None or mentorship.program_id != program_id:
        raise NotFound(_("Mentorship not found."))
    seat = Seat(mentorship, user, side_of(mentorship, user), program, mine.role if mine else None)
    if not seat.can(Action.VIEW_MENTORSHIP):
        raise NotFound(_("Mentorship not found."))
    return seat


def pair_seat(session: Session, user: User, program_id: int, mentorship_id: int) -> Seat:
    """`seat_for`, refusing coordinators with 403: for what only the two people may read or do."""
    seat = seat_for(session, user, program_id, mentorship_id)
    seat.require_pair()
    return seat


def lock(session: Session, mentorship: Mentorship) -> None:
    """Serialise changes to one mentorship until the transaction ends, then re-read it.

    The no-op UPDATE takes the row lock on PostgreSQL and the write lock on SQLite, so two people acting
    at once (both accepting, both answering the fit check) see each other's change.
    """
    lock_row(session, Mentorship.cycle, mentorship.id)
    session.refresh(mentorship)
