"""Profile saves under concurrency: optimistic locking answers Conflict, never a database error."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from mentorloom.errors import Conflict
from mentorloom.profiles.models import Profile
from mentorloom.profiles.schemas import ProfileIn, SkillLevel
from mentorloom.profiles.service import get_profile, update_profile
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_user

BEFORE = ProfileIn(name="Anna", bio="Vertrieb", expertise=[SkillLevel(skill="Verhandlung", level=4)])


def _someone_else_saves(session: Session, profile: Profile) -> None:
    """Another request commits a save between this one's read and write (the row moves on behind our back)."""
    table = Profile.__table__
    session.connection().execute(
        update(table).where(table.c.membership_id == profile.membership_id).values(version=table.c.version + 1)
    )


@pytest.mark.parametrize(
    "change",
    [
        {"bio": "Vertrieb und Einkauf", "expertise": [SkillLevel(skill="Python", level=3)]},  # row and skills
        {"expertise": [SkillLevel(skill="Python", level=3)]},  # skills only: no profiles column changes
        {"interests": ["Bergwandern"]},
        {"name": "Anna Berg"},
    ],
)
def test_a_save_racing_another_answers_conflict(db_session: Session, change: dict[str, object]) -> None:
    program = make_program(db_session)
    membership = add_member(db_session, program, make_user(db_session), Role.MENTOR)
    profile = update_profile(db_session, get_profile(db_session, membership), BEFORE)
    _someone_else_saves(db_session, profile)
    with pytest.raises(Conflict):
        update_profile(db_session, profile, BEFORE.model_copy(update={**change, "version": profile.version}))


def test_every_save_bumps_the_version(db_session: Session) -> None:
    program = make_program(db_session)
    membership = add_member(db_session, program, make_user(db_session), Role.MENTOR)
    profile = update_profile(db_session, get_profile(db_session, membership), BEFORE)
    before = profile.version
    update_profile(db_session, profile, BEFORE.model_copy(update={"interests": ["Bergwandern"]}))
    assert profile.version == before + 1
