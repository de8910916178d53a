"""Issue 14.1, as a property: whatever role someone holds in another program, and whatever they ask for, the
permission helpers hand them nothing of this program — every loader answers 404 and every visibility query
leaves its objects out. (tests/test_permissions_rules.py checks `can` against the documented table.)"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from mentorloom import permissions
from mentorloom.errors import NotFound
from mentorloom.mentorships.access import pair_seat, seat_for, visible_mentorships
from mentorloom.permissions import Action
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_user
from tests.mentorships.helpers import make_pair


@given(action=st.sampled_from(list(Action)), role=st.sampled_from([None, *Role]), own=st.booleans())
def test_can_grants_a_non_member_nothing(action: Action, role: Role | None, own: bool) -> None:
    """Without a role in the program and without being the administrator, no action is allowed, own or not."""
    assert role is not None or not permissions.can(action, role, own=own, admin=False)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.sampled_from(list(Action)), elsewhere=st.sampled_from([None, *Role]), edit=st.booleans())
def test_loaders_hand_a_member_of_another_program_nothing(
    db_session: Session, action: Action, elsewhere: Role | None, edit: bool
) -> None:
    pair = make_pair(db_session)
    program = pair.program.id
    outsider = make_user(db_session)
    if elsewhere is not None:
        add_member(db_session, make_program(db_session, name="Elsewhere"), outsider, elsewhere)
    db_session.flush()
    loaders = [
        lambda: permissions.program_for(db_session, outsider, program, action),
        lambda: permissions.membership_for(db_session, outsider, program, pair.mentee.id, edit=edit),
        lambda: permissions.avoid_list_owner(db_session, outsider, program, pair.mentee.id),
        lambda: permissions.own_membership(db_session, outsider, program, elsewhere),
        lambda: seat_for(db_session, outsider, program, pair.mentorship.id),
        lambda: pair_seat(db_session, outsider, program, pair.mentorship.id),
    ]
    for load in loaders:
        with pytest.raises(NotFound):
            load()
    assert not permissions.may(db_session, outsider, action, program)
    assert (
        program
        not in db_session.scalars(
            permissions.visible_programs(outsider).with_only_columns(permissions.Program.id)
        ).all()
    )
    assert db_session.scalars(visible_mentorships(db_session, outsider, program)).all() == []
