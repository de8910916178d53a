"""Property tests: what a user may see and do follows from their memberships, for any arrangement."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorloom.errors import NotFound, PermissionDenied
from mentorloom.permissions import Action, may_edit_profile, membership_for, program_for, visible_programs
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_user

N_PROGRAMS, N_USERS = 3, 4
roles = st.sampled_from([None, Role.COORDINATOR, Role.MENTOR, Role.MENTEE])
arrangements = st.lists(st.lists(roles, min_size=N_PROGRAMS, max_size=N_PROGRAMS), min_size=N_USERS, max_size=N_USERS)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(grid=arrangements, admin_index=st.integers(min_value=-1, max_value=N_USERS - 1))
def test_visibility_and_management_follow_roles(
    db_session: Session, grid: list[list[Role | None]], admin_index: int
) -> None:
    savepoint = db_session.begin_nested()
    try:
        programs = [make_program(db_session, name=f"P{i}") for i in range(N_PROGRAMS)]
        users = [make_user(db_session, is_admin=(u == admin_index)) for u in range(N_USERS)]
        memberships = {}
        for u, row in enumerate(grid):
            for p, role in enumerate(row):
                if role is not None:
                    memberships[(u, p)] = add_member(db_session, programs[p], users[u], role)
        for u, user in enumerate(users):
            _check_user(db_session, user, u == admin_index, grid[u], programs, memberships, u)
    finally:
        savepoint.rollback()


def _check_user(session: Session, user, is_admin, row, programs, memberships, u) -> None:  # type: ignore[no-untyped-def]
    ids = {p.id for p in programs}
    visible = {p.id for p in session.scalars(visible_programs(user))} & ids
    expected = ids if is_admin else {programs[i].id for i, role in enumerate(row) if role is not None}
    assert visible == expected
    for i, program in enumerate(programs):
        role = row[i]
        if not is_admin and role is None:
            with pytest.raises(NotFound):
                program_for(session, user, program.id)
            continue
        assert program_for(session, user, program.id).id == program.id
        if is_admin or role is Role.COORDINATOR:
            assert program_for(session, user, program.id, Action.MANAGE_PROGRAM)
        else:
            with pytest.raises(PermissionDenied):
                program_for(session, user, program.id, Action.MANAGE_PROGRAM)
        own = memberships.get((u, i))
        if own is not None:  # everyone may edit their own profile
            assert membership_for(session, user, program.id, own.id, edit=True) is own
        # Others' profiles (and their private fields) are for the program's coordinators and admins only.
        for (ou, op), other in memberships.items():
            if op == i:
                expected_edit = ou == u or is_admin or role is Role.COORDINATOR
                assert may_edit_profile(session, user, other) is expected_edit
        # A membership of another program is never reachable through this program.
        for (_ou, op), other in memberships.items():
            if op != i:
                with pytest.raises(NotFound):
                    membership_for(session, user, program.id, other.id)


@contextmanager
def _membership_queries(session: Session) -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, _params, _context, _many) -> None:  # type: ignore[no-untyped-def]
        if "FROM memberships" in statement:
            statements.append(statement)

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(connection, "before_cursor_execute", record)


def test_a_permission_check_looks_the_membership_up_once(db_session: Session) -> None:
    program = make_program(db_session)
    coordinator, mentor = make_user(db_session), make_user(db_session)
    add_member(db_session, program, coordinator, Role.COORDINATOR)
    own = add_member(db_session, program, mentor, Role.MENTOR)
    db_session.expire_all()
    with _membership_queries(db_session) as statements:
        program_for(db_session, coordinator, program.id, Action.MANAGE_PROGRAM)
    assert len(statements) == 1
    with _membership_queries(db_session) as statements:
        membership_for(db_session, mentor, program.id, own.id, edit=True)
    assert len(statements) == 2  # the caller's membership, then the participant's (by primary key)
