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


def role_in(session: Session, user: User, program_id: int) -> Role | None:
    return session.scalar(
        select(Membership.role).where(Membership.program_id == program_id, Membership.user_id == user.id)
    )


def may(session: Session, user: User, action: Action, program_id: int | None = None) -> bool:
    if user.is_admin:
        return True
    if program_id is None:
        return False
    role = role_in(session, user, program_id)
    return role is not None and role in _GRANTS[action]


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise PermissionDenied(_("Only an instance administrator may do this."))


def program_for(session: Session, user: User, program_id: int, action: Action = Action.VIEW_PROGRAM) -> Program:
    """Load a program for `action`: 404 when the user may not see it, 403 when they may see but not act."""
    program = session.get(Program, program_id)
    if program is None or not (user.is_admin or role_in(session, user, program_id) is not None):
        raise NotFound(_("Program not found."))
    if not may(session, user, action, program_id):
        raise PermissionDenied(_("You may not do this in this program."))
    return program


def membership_for(
    session: Session, user: User, program_id: int, membership_id: int, *, edit: bool = False
) -> Membership:
    """A participant of a visible program; editing needs coordinator rights or being that person."""
    program_for(session, user, program_id, Action.VIEW_PARTICIPANTS)
    membership = session.get(Membership, membership_id)
    if membership is None or membership.program_id != program_id:
        raise NotFound(_("Participant not found."))
    if edit and membership.user_id != user.id and not may(session, user, Action.MANAGE_PROGRAM, program_id):
        raise PermissionDenied(_("You may only edit your own profile."))
    return membership


def own_membership(session: Session, user: User, program_id: int, role: Role | None = None) -> Membership:
    """The caller's own membership in a visible program (optionally of a given role), for self-service actions."""
    program_for(session, user, program_id)
    membership = session.scalar(
        select(Membership).where(Membership.program_id == program_id, Membership.user_id == user.id)
    )
    if membership is None or (role is not None and membership.role is not role):
        raise PermissionDenied(
            _("This page is for the program's participants in the role %(role)s.", role=role_label(role or Role.MENTEE))
        )
    return membership
