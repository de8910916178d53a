"""Issue 8.3: inviting a known address tells the coordinator nothing about the existing account.

Before, the invitation answered with the account's real name and whether it had a password, so any
coordinator could probe addresses and read names of people outside the program.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.programs.models import Role
from tests.factories import make_membership, make_program, make_token, make_user, set_password
from tests.profiles.test_views import _log_in

pytestmark = pytest.mark.anyio
REAL_NAME = "Rosa Realname"


def _coordinated(session: Session) -> tuple[int, dict[str, str]]:
    program = make_program(session)
    coordinator = make_user(session, name="Cleo Coordinator")
    make_membership(session, program=program, user=coordinator, role=Role.COORDINATOR)
    return program.id, make_token(session, coordinator)


async def test_api_answers_alike_for_new_and_existing_addresses(client: httpx.AsyncClient, db_session: Session) -> None:
    program_id, headers = _coordinated(db_session)
    elsewhere = make_program(db_session, name="Elsewhere")
    signed_in = make_user(db_session, email="rosa@example.org", name=REAL_NAME)
    set_password(db_session, signed_in)
    make_membership(db_session, program=elsewhere, user=signed_in, role=Role.MENTOR)
    never_signed_in = make_user(db_session, email="otto@example.org", name="Otto Original")

    async def invite(email: str) -> dict[str, object]:
        response = await client.post(
            f"/api/v1/programs/{program_id}/invitations",
            headers=headers,
            json={"email": email, "name": "Typed Name", "role": "mentee"},
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    answers = [await invite(e) for e in ("Rosa@Example.org", "otto@example.org", "new.person@example.org")]
    for answer, email in zip(answers, ("rosa@example.org", "otto@example.org", "new.person@example.org"), strict=True):
        membership_id = answer.pop("id")
        assert isinstance(membership_id, int)
        assert answer == {"email": email, "name": "Typed Name", "role": "mentee"}
    # Nobody was renamed by the invitation.
    db_session.expire_all()
    assert (signed_in.display_name, never_signed_in.display_name) == (REAL_NAME, "Otto Original")


async def test_page_shows_nothing_of_the_existing_account(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    coordinator = make_user(db_session, name="Cleo Coordinator")
    make_membership(db_session, program=program, user=coordinator, role=Role.COORDINATOR)
    set_password(db_session, make_user(db_session, email="rosa@example.org", name=REAL_NAME))
    await _log_in(client, db_session, coordinator)
    form = {
        "email": "rosa@example.org",
        "name": "Typed Name",
        "role": "mentee",
        "csrf_token": client.cookies["ml_csrf"],
    }
    response = await client.post(f"/programs/{program.id}/invite", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert "rosa@example.org" in response.text and REAL_NAME not in response.text
