"""The one place that decides what a user may see and do.

Every endpoint asks here. Objects of a program the user does not belong to answer 404, never 403,
so the existence of other programs' data does not leak.
"""

from __future__ import annotations

import enum

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.i18n import gettext as _
from mentorloom.programs.models import Membership, Program, Role, role_label


class Action(enum.StrEnum):
    VIEW_PROGRAM = "view_program"
    MANAGE_PROGRAM = "manage_program"  # edit settings, invite, import/export, edit any profile
    VIEW_PARTICIPANTS = "view_participants"
    CREATE_PROGRAM = "create_program"


# Which program roles grant which actions; the instance admin may do everything.
_GRANTS: dict[Action, frozenset[Role]] = {
    Action.VIEW_PROGRAM: frozenset(Role),
    Action.VIEW_PARTICIPANTS: frozenset(Role),
    Action.MANAGE_PROGRAM: frozenset({Role.COORDINATOR}),
    Action.CREATE_PROGRAM: frozenset(),
}


def visible_programs(user: User) -> Select[Program]:
    """A query of the programs this user may see."""
    query = select(Program)
    if user.is_admin:
        return query
    return query.join(Membership, Membership.program_id == Program.id).where(Membership.user_id == user.id)


def membership_of(session: Session, user: User, program_id: int) -> Membership | None:
    """The user's own membership in a program, if any: the one lookup every check below shares."""
    return session.scalar(select(Membership).where(Membership.program_id == program_id, Membership.user_id == user.id))


def role_in(session: Session, user: User, program_id: int) -> Role | None:
    membership = membership_of(session, user, program_id)
    return membership.role if membership is not None else None


def may(session: Session, user: User, action: Action, program_id: int | None = None) -> bool:
    if user.is_admin:
        return True
    if program_id is None:
        return False
    return _grants(user, membership_of(session, user, program_id), action)


def _grants(user: User, membership: Membership | None, action: Action) -> bool:
    return user.is_admin or (membership is not None and membership.role in _GRANTS[action])


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied(_("Only an instance administrator may do this."))


def program_for(session: Session, user: User, program_id: int, action: Action = Action.VIEW_PROGRAM) -> Program:
    """Load a program for `action`: 404 when the user may not see it, 403 when they may see but not act."""
    program, _mine = _program_and_own_membership(session, user, program_id, action)
    return program


def _program_and_own_membership(
    session: Session, user: User, program_id: int, action: Action
) -> tuple[Program, Membership | None]:
    """program_for's checks, also handing back the caller's membership so callers need not look it up again."""
    program = session.get(Program, program_id)
    mine = membership_of(session, user, program_id)
    if program is None or not (user.is_admin or mine is not None):
        raise NotFound(_("Program not found."))
    if not _grants(user, mine, action):
        raise PermissionDenied(_("You may not do this in this program."))
    return program, mine


def may_edit_profile(session: Session, user: User, membership: Membership) -> bool:
    """Whether the user may edit this participant's profile and see its private fields (e.g. the line manager).

    The rule: it is their own, or they may manage the program.
    """
    return membership.user_id == user.id or may(session, user, Action.MANAGE_PROGRAM, membership.program_id)


def membership_for(
    session: Session, user: User, program_id: int, membership_id: int, *, edit: bool = False
) -> Membership:
    """A participant of a visible program; editing needs coordinator rights or being that person."""
    program_for(session, user, program_id, Action.VIEW_PARTICIPANTS)
    membership = session.get(Membership, membership_id)
    if membership is None or membership.program_id != program_id:
        raise NotFound(_("Participant not found."))
    if edit and not may_edit_profile(session, user, membership):
        raise PermissionDenied(_("You may only edit your own profile."))
    return membership


def own_membership(session: Session, user: User, program_id: int, role: Role | None = None) -> Membership:
    """The caller's own membership in a visible program (optionally of a given role), for self-service actions."""
    _program, membership = _program_and_own_membership(session, user, program_id, Action.VIEW_PROGRAM)
    if membership is None or (role is not None and membership.role is not role):
        raise PermissionDenied(
            _("This page is for the program's participants in the role %(role)s.", role=role_label(role or Role.MENTEE))
        )
    return membership
