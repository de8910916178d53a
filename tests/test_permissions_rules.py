"""Property tests: every permission check agrees with the rule table documented in `mentorloom.permissions`.

The table is read from the module's docstring, so the documentation, `permissions.can` and the loaders that
use it (mentorship seats, avoid-lists) cannot drift apart.
"""

from __future__ import annotations

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from mentorloom import permissions
from mentorloom.accounts.models import User
from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.mentorships.access import pair_seat, seat_for, visible_mentorships
from mentorloom.mentorships.models import Mentorship, MentorshipSource, MentorshipStatus
from mentorloom.permissions import Action, can, require
from mentorloom.programs.models import Program, Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_token, make_user
from tests.matching.test_views import login

Documented = dict[Action, tuple[frozenset[Role], frozenset[Role], bool]]


def documented_table() -> Documented:
    """{action: (roles on any subject, roles on their own subject, admin)} from the module docstring."""
    table: Documented = {}
    for line in (permissions.__doc__ or "").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("action", "") or set(cells[0]) == {"-"}:
            continue
        anyone, own = ({Role(r.strip()) for r in cell.split(",") if r.strip()} for cell in cells[1:3])
        table[Action(cells[0])] = (frozenset(anyone), frozenset(own), cells[3] == "yes")
    return table


TABLE = documented_table()
roles = st.sampled_from([None, *Role])


def expected(action: Action, role: Role | None, *, own: bool, admin: bool) -> bool:
    anyone, own_roles, by_admin = TABLE[action]
    return (admin and by_admin) or role in anyone or (own and role in own_roles)


def test_the_documented_table_names_every_action() -> None:
    assert set(TABLE) == set(Action)


@given(action=st.sampled_from(list(Action)), role=roles, own=st.booleans(), admin=st.booleans())
def test_can_and_require_follow_the_documented_table(action: Action, role: Role | None, own: bool, admin: bool) -> None:
    allowed = expected(action, role, own=own, admin=admin)
    assert can(action, role, own=own, admin=admin) is allowed
    if allowed:
        require(action, role, own=own, admin=admin)
    else:
        with pytest.raises(PermissionDenied):
            require(action, role, own=own, admin=admin)


# --- the loaders, against the database ----------------------------------------------------------------

# Who the caller is, seen from one mentorship and its mentee's avoid-list.
CALLERS = ["its mentor", "its mentee", "coordinator", "another mentor", "another mentee", "outsider"]


def _caller(
    session: Session, kind: str, mentorship: Mentorship, program: Program, admin: bool
) -> tuple[User, Role | None]:
    if kind in ("its mentor", "its mentee"):
        membership = mentorship.mentor if kind == "its mentor" else mentorship.mentee
        membership.user.is_admin = admin
        return membership.user, membership.role
    user = make_user(session, is_admin=admin)
    role = {"coordinator": Role.COORDINATOR, "another mentor": Role.MENTOR, "another mentee": Role.MENTEE}.get(kind)
    if role is not None:
        add_member(session, program, user, role)
    return user, role


def _mentorship(session: Session, program: Program) -> Mentorship:
    mentor = add_member(session, program, make_user(session), Role.MENTOR)
    mentee = add_member(session, program, make_user(session), Role.MENTEE)
    mentorship = Mentorship(
        program_id=program.id,
        mentor_id=mentor.id,
        mentee_id=mentee.id,
        source=MentorshipSource.COORDINATOR,
        status=MentorshipStatus.ACTIVE,
    )
    session.add(mentorship)
    session.flush()
    return mentorship


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kind=st.sampled_from(CALLERS), admin=st.booleans())
def test_seats_and_avoid_lists_follow_the_documented_table(db_session: Session, kind: str, admin: bool) -> None:
    savepoint = db_session.begin_nested()
    try:
        program = make_program(db_session)
        mentorship = _mentorship(db_session, program)
        user, role = _caller(db_session, kind, mentorship, program, admin)
        db_session.flush()
        in_pair = kind in ("its mentor", "its mentee")
        _check_seat(db_session, user, mentorship, role, in_pair, admin)
        _check_avoid_list(db_session, user, mentorship, role, kind == "its mentee", admin)
    finally:
        savepoint.rollback()


def _check_seat(
    session: Session, user: User, mentorship: Mentorship, role: Role | None, in_pair: bool, admin: bool
) -> None:
    program_id = mentorship.program_id
    sees_program = admin or role is not None
    sees = sees_program and expected(Action.VIEW_MENTORSHIP, role, own=in_pair, admin=admin)
    if sees_program:  # the list and the single mentorship agree
        listed = {m.id for m in session.scalars(visible_mentorships(session, user, program_id))}
        assert (mentorship.id in listed) is sees
    if not sees:
        with pytest.raises(NotFound):
            seat_for(session, user, program_id, mentorship.id)
        return
    seat = seat_for(session, user, program_id, mentorship.id)
    for action in (Action.STEER_MENTORSHIP, Action.FINISH_ANY_TIME, Action.WORK_IN_PAIR):
        assert seat.can(action) is expected(action, role, own=in_pair, admin=admin), action
    if expected(Action.WORK_IN_PAIR, role, own=in_pair, admin=admin):
        assert pair_seat(session, user, program_id, mentorship.id).side is not None
    else:
        with pytest.raises(PermissionDenied):
            pair_seat(session, user, program_id, mentorship.id)


def _check_avoid_list(
    session: Session, user: User, mentorship: Mentorship, role: Role | None, own: bool, admin: bool
) -> None:
    mentee = mentorship.mentee
    if not (admin or role is not None):
        with pytest.raises(NotFound):
            permissions.avoid_list_owner(session, user, mentorship.program_id, mentee.id)
    elif expected(Action.KEEP_AVOID_LIST, role, own=own, admin=admin):
        assert permissions.avoid_list_owner(session, user, mentorship.program_id, mentee.id) is mentee
    else:
        with pytest.raises(PermissionDenied):
            permissions.avoid_list_owner(session, user, mentorship.program_id, mentee.id)


# --- the review results page and its API, over HTTP -----------------------------------------------------


@pytest.mark.anyio
@pytest.mark.parametrize("admin", [False, True])
@pytest.mark.parametrize("kind", CALLERS)
async def test_review_figures_follow_the_documented_table(
    client: httpx.AsyncClient, db_session: Session, kind: str, admin: bool
) -> None:
    """GET /programs/{id}/reviews and its API: view_review_figures, else 403 (404 outside the program)."""
    program = make_program(db_session)
    mentorship = _mentorship(db_session, program)
    user, role = _caller(db_session, kind, mentorship, program, admin)
    db_session.flush()
    if not (admin or role is not None):
        status = 404
    else:
        status = 200 if expected(Action.VIEW_REVIEW_FIGURES, role, own=False, admin=admin) else 403
    api = await client.get(
        f"/api/v1/programs/{program.id}/mentorships/reviews/summary", headers=make_token(db_session, user)
    )
    assert api.status_code == status, api.text
    await login(client, db_session, user)
    page = await client.get(f"/programs/{program.id}/reviews")
    assert page.status_code == status, page.text
