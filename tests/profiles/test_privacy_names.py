"""Issue 8.3: a coordinator's profile edit never renames a person who has signed in.

A person's name lives on their account and shows in every program they belong to; a coordinator of one
program could rename them everywhere. As in the import, others may name only accounts whose owner has
not signed in yet; a signed-in person changes their own name in their own profile.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.programs.models import Membership, Program, Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_token, make_user, set_password
from tests.profiles.test_views import _log_in

pytestmark = pytest.mark.anyio
PROFILE = {"name": "Renamed By Coordinator", "department": "Sales", "languages": ["de"], "timezone": "UTC"}


def _people(session: Session) -> tuple[Program, User, Membership, Membership]:
    program, other = make_program(session), make_program(session, name="Other")
    coordinator = make_user(session, name="Cleo Coordinator")
    add_member(session, program, coordinator, Role.COORDINATOR)
    rosa = make_user(session, name="Rosa Realname")
    set_password(session, rosa)
    signed_in = add_member(session, program, rosa, Role.MENTEE)
    add_member(session, other, rosa, Role.MENTOR)  # her name shows there too
    not_yet = add_member(session, program, make_user(session, name="Nina New"), Role.MENTEE)
    return program, coordinator, signed_in, not_yet


def _name(session: Session, membership: Membership) -> str:
    session.expire_all()
    return session.get_one(User, membership.user_id).display_name


async def test_api_coordinator_edits_the_profile_but_not_a_signed_in_name(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator, signed_in, not_yet = _people(db_session)
    headers = make_token(db_session, coordinator)

    def url(m: Membership) -> str:
        return f"/api/v1/programs/{program.id}/participants/{m.id}/profile"

    saved = await client.put(url(signed_in), headers=headers, json=PROFILE)
    assert saved.status_code == 200, saved.text
    assert saved.json()["department"] == "Sales" and saved.json()["name"] == "Rosa Realname"
    assert _name(db_session, signed_in) == "Rosa Realname"

    # Not signed in yet: the coordinator names the account, as the import does.
    assert (await client.put(url(not_yet), headers=headers, json=PROFILE)).status_code == 200
    assert _name(db_session, not_yet) == "Renamed By Coordinator"

    # Her own edit changes her name.
    own = await client.put(
        url(signed_in), headers=make_token(db_session, signed_in.user), json={**PROFILE, "name": "Rosa R."}
    )
    assert own.status_code == 200 and _name(db_session, signed_in) == "Rosa R."


async def test_page_coordinator_edits_the_profile_but_not_a_signed_in_name(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, coordinator, signed_in, _not_yet = _people(db_session)
    await _log_in(client, db_session, coordinator)
    edit = f"/programs/{program.id}/participants/{signed_in.id}/edit"
    form = await client.get(edit)
    assert form.status_code == 200
    assert 'readonly="True"' in form.text and "Only this person changes their name" in form.text
    posted = {
        "csrf_token": client.cookies["ml_csrf"],
        "name": "Renamed By Coordinator",
        "department": "Sales",
        "languages": "de",
        "timezone": "UTC",
    }
    saved = await client.post(edit, data=posted)
    assert saved.status_code == 303, saved.text
    assert _name(db_session, signed_in) == "Rosa Realname"

    await _log_in(client, db_session, signed_in.user)
    own = await client.get(edit)
    assert own.status_code == 200 and "readonly" not in own.text.split('id="f-name"')[1].split(">")[0]
