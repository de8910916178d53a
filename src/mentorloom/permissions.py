"""The one place that decides what a user may see and do.

Every endpoint asks here. Objects of a program the user does not belong to answer 404, never 403,
so the existence of other programs' data does not leak.

Who may take an action depends on three facts only: the caller's role in the program, whether the subject is
their own (their own membership; a mentorship, proposal or request they are one of the two people of), and
whether they administer the instance (an administrator counts as a coordinator of every program, but is
never one of a pair). `RULES` is this table; tests/test_permissions_rules.py checks `can` against it:

| action              | on any subject of the program | on their own subject  | instance admin |
|---------------------|-------------------------------|-----------------------|----------------|
| view_program        | coordinator, mentor, mentee   |                       | yes            |
| view_participants   | coordinator, mentor, mentee   |                       | yes            |
| manage_program      | coordinator                   |                       | yes            |
| create_program      |                               |                       | yes            |
| edit_profile        | coordinator                   | coordinator, mentor, mentee | yes      |
| take_part           | mentor, mentee                |                       | no             |
| keep_avoid_list     | coordinator                   | mentor, mentee        | yes            |
| request_mentor      | mentee                        |                       | no             |
| answer_request      |                               | mentor                | no             |
| withdraw_request    |                               | mentee                | no             |
| answer_offer        |                               | mentor, mentee        | no             |
| view_mentorship     | coordinator                   | mentor, mentee        | yes            |
| steer_mentorship    | coordinator                   | mentor, mentee        | yes            |
| finish_any_time     | coordinator                   |                       | yes            |
| work_in_pair        |                               | mentor, mentee        | no             |
| view_review_figures | coordinator                   |                       | yes            |
| view_health         | coordinator                   |                       | yes            |
| view_audit          |                               |                       | yes            |

`take_part` is the self-service pages and endpoints (my match, requests, my own preferences): coordinators
are not matched. `steer_mentorship` is a change of state a coordinator may step in for (pause, end early, ...);
`work_in_pair` is the pair's private words and work (agreement, goals, reviews, fit check, retrospectives).
`view_review_figures` is the program's released review figures and which pairs answered the open round, never a
pair's own answers. `view_health` is the pairs' health (counts and days, never a person's answer), the program
analytics, retention and evidence pages, and nudging a pair, noting on it and applying suggested weights.
`view_audit` is the instance's audit log (its page, CSV export and API): instance administrators only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.i18n import N_, gettext
from mentorloom.i18n import gettext as _
from mentorloom.notifications.models import Notification
from mentorloom.programs.models import Membership, Program, Role, role_label


class Action(enum.StrEnum):
    VIEW_PROGRAM = "view_program"
    VIEW_PARTICIPANTS = "view_participants"
    MANAGE_PROGRAM = "manage_program"  # edit settings, invite, import/export, run matching, create pairs
    CREATE_PROGRAM = "create_program"
    EDIT_PROFILE = "edit_profile"  # and see its private fields (e.g. the line manager)
    TAKE_PART = "take_part"
    KEEP_AVOID_LIST = "keep_avoid_list"  # whom a participant must not be matched with
    REQUEST_MENTOR = "request_mentor"
    ANSWER_REQUEST = "answer_request"
    WITHDRAW_REQUEST = "withdraw_request"
    ANSWER_OFFER = "answer_offer"
    VIEW_MENTORSHIP = "view_mentorship"  # its state and history, never the pair's private words
    STEER_MENTORSHIP = "steer_mentorship"
    FINISH_ANY_TIME = "finish_any_time"  # complete without waiting for both retrospectives
    WORK_IN_PAIR = "work_in_pair"
    VIEW_REVIEW_FIGURES = "view_review_figures"  # released program-wide counts and means, who answered
    VIEW_HEALTH = "view_health"  # pairs' health, analytics, retention, evidence; nudge, note, apply weights
    VIEW_AUDIT = "view_audit"  # the instance's audit log, its CSV export and API


@dataclass(frozen=True)
class Rule:
    anyone: frozenset[Role]  # these roles may, whatever the subject in their program
    own: frozenset[Role]  # these roles may, on their own subject
    admin: bool  # whether the instance administrator may
    refusal: str  # why not, marked for translation and translated when raised


_ALL = frozenset(Role)
_COORDINATOR = frozenset({Role.COORDINATOR})
_PAIR = frozenset({Role.MENTOR, Role.MENTEE})
_NONE: frozenset[Role] = frozenset()
_MAY_NOT = N_("You may not do this in this program.")
_PAIR_ONLY = N_("Only the mentor and the mentee of this mentorship can do this.")

RULES: dict[Action, Rule] = {
    Action.VIEW_PROGRAM: Rule(_ALL, _NONE, True, _MAY_NOT),
    Action.VIEW_PARTICIPANTS: Rule(_ALL, _NONE, True, _MAY_NOT),
    Action.MANAGE_PROGRAM: Rule(_COORDINATOR, _NONE, True, _MAY_NOT),
    Action.CREATE_PROGRAM: Rule(_NONE, _NONE, True, N_("Only an instance administrator may do this.")),
    Action.EDIT_PROFILE: Rule(_COORDINATOR, _ALL, True, N_("You may only edit your own profile.")),
    Action.TAKE_PART: Rule(_PAIR, _NONE, False, N_("This page is for the mentors and mentees of the program.")),
    Action.KEEP_AVOID_LIST: Rule(
        _COORDINATOR,
        _PAIR,
        True,
        N_("Only the participant and the program's coordinators may see or change this avoid-list."),
    ),
    Action.REQUEST_MENTOR: Rule(frozenset({Role.MENTEE}), _NONE, False, N_("Only mentees can request a mentor.")),
    Action.ANSWER_REQUEST: Rule(_NONE, frozenset({Role.MENTOR}), False, N_("Only the requested mentor can answer.")),
    Action.WITHDRAW_REQUEST: Rule(
        _NONE, frozenset({Role.MENTEE}), False, N_("Only the mentee who sent a request can withdraw it.")
    ),
    Action.ANSWER_OFFER: Rule(_NONE, _PAIR, False, N_("Only the two people of a proposal can answer it.")),
    Action.VIEW_MENTORSHIP: Rule(_COORDINATOR, _PAIR, True, _PAIR_ONLY),
    Action.STEER_MENTORSHIP: Rule(_COORDINATOR, _PAIR, True, _PAIR_ONLY),
    Action.FINISH_ANY_TIME: Rule(_COORDINATOR, _NONE, True, _MAY_NOT),
    Action.WORK_IN_PAIR: Rule(_NONE, _PAIR, False, _PAIR_ONLY),
    Action.VIEW_REVIEW_FIGURES: Rule(
        _COORDINATOR, _NONE, True, N_("Only the program's coordinators see the review figures of all pairs.")
    ),
    Action.VIEW_HEALTH: Rule(
        _COORDINATOR, _NONE, True, N_("Only the program's coordinators see the health of all pairs.")
    ),
    Action.VIEW_AUDIT: Rule(_NONE, _NONE, True, N_("Only an instance administrator may see the audit log.")),
}


def can(action: Action, role: Role | None, *, own: bool = False, admin: bool = False) -> bool:
    """The rule table itself: may someone of `role` in the program take `action` (on their own subject)?"""
    rule = RULES[action]
    return (admin and rule.admin) or role in rule.anyone or (own and role in rule.own)


def require(action: Action, role: Role | None, *, own: bool = False, admin: bool = False) -> None:
    """`can`, or PermissionDenied with the rule's reason."""
    if not can(action, role, own=own, admin=admin):
        raise PermissionDenied(gettext(RULES[action].refusal))


def visible_programs(user: User) -> Select[Program]:
    """A query of the programs this user may see."""
    query = select(Program)
    if user.is_admin:
        return query
    return query.join(Membership, Membership.program_id == Program.id).where(Membership.user_id == user.id)


def visible_notifications(user: User) -> Select[Notification]:
    """A query of this user's own notifications: nobody else sees them, an administrator neither."""
    return select(Notification).where(Notification.user_id == user.id)


def membership_of(session: Session, user: User, program_id: int) -> Membership | None:
    """The user's own membership in a program, if any: the one lookup every check below shares."""
    return session.scalar(select(Membership).where(Membership.program_id == program_id, Membership.user_id == user.id))


def role_in(session: Session, user: User, program_id: int) -> Role | None:
    membership = membership_of(session, user, program_id)
    return membership.role if membership is not None else None


def may(session: Session, user: User, action: Action, program_id: int | None = None) -> bool:
    """Whether the user may take `action` on any subject of the program (or, without one, instance-wide)."""
    role = role_in(session, user, program_id) if program_id is not None else None
    return can(action, role, admin=user.is_admin)


def require_admin(user: User) -> None:
    """For what only the instance administrator may do (creating programs)."""
    require(Action.CREATE_PROGRAM, None, admin=user.is_admin)


def program_for(session: Session, user: User, program_id: int, action: Action = Action.VIEW_PROGRAM) -> Program:
    """Load a program for `action`: 404 when the user may not see it, 403 when they may see but not act."""
    program, _mine = program_and_membership(session, user, program_id, action)
    return program


def program_and_membership(
    session: Session, user: User, program_id: int, action: Action = Action.VIEW_PROGRAM
) -> tuple[Program, Membership | None]:
    """program_for's checks, also handing back the caller's membership so callers need not look it up again."""
    program = session.get(Program, program_id)
    mine = membership_of(session, user, program_id)
    if program is None or not (user.is_admin or mine is not None):
        raise NotFound(_("Program not found."))
    require(action, mine.role if mine else None, admin=user.is_admin)
    return program, mine


def may_edit_profile(session: Session, user: User, membership: Membership) -> bool:
    """Whether the user may edit this participant's profile and see its private fields (e.g. the line manager)."""
    role = membership.role if membership.user_id == user.id else role_in(session, user, membership.program_id)
    return can(Action.EDIT_PROFILE, role, own=membership.user_id == user.id, admin=user.is_admin)


def membership_for(
    session: Session, user: User, program_id: int, membership_id: int, *, edit: bool = False
) -> Membership:
    """A participant of a visible program; editing needs coordinator rights or being that person."""
    _program, mine = program_and_membership(session, user, program_id, Action.VIEW_PARTICIPANTS)
    membership = _participant_of(session, program_id, membership_id)
    if edit:
        require(Action.EDIT_PROFILE, mine.role if mine else None, own=mine is membership, admin=user.is_admin)
    return membership


def _participant_of(session: Session, program_id: int, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.program_id != program_id:
        raise NotFound(_("Participant not found."))
    return membership


def own_membership(session: Session, user: User, program_id: int, role: Role | None = None) -> Membership:
    """The caller's own membership as a mentor or mentee (optionally of one role), for self-service actions."""
    _program, membership = program_and_membership(session, user, program_id, Action.VIEW_PROGRAM)
    if role is not None and (membership is None or membership.role is not role):
        raise PermissionDenied(
            _("This page is for the program's participants in the role %(role)s.", role=role_label(role))
        )
    require(Action.TAKE_PART, membership.role if membership else None)
    assert membership is not None  # take_part needs a role
    return membership


def avoid_list_owner(session: Session, user: User, program_id: int, membership_id: int) -> Membership:
    """The mentor or mentee whose avoid-list the caller may keep: their own, or (coordinators) anyone's."""
    _program, mine = program_and_membership(session, user, program_id, Action.VIEW_PARTICIPANTS)
    owner = _participant_of(session, program_id, membership_id)
    if owner.role not in RULES[Action.TAKE_PART].anyone:
        raise NotFound(_("Coordinators are not matched, so they keep no avoid-list."))
    require(Action.KEEP_AVOID_LIST, mine.role if mine else None, own=mine is owner, admin=user.is_admin)
    return owner
