"""Ids posted by the matching page forms: anything that is no id answers 4xx naming the field, never a 500.

SQLite overflows beyond 2**63 and PostgreSQL's integer ends at 2**31 - 1; both backends run every case.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.matching import service
from mentorloom.matching.models import MatchPreference, MentorRequest, Proposal, ProposalStatus
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, sample_people
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio

# past SQLite's integer, past an unsigned 64-bit one, negative, no number, a NUL byte
BAD_IDS = [str(2**63), str(2**64), "-1", "abc", "1\x00"]


@pytest.mark.parametrize("raw", BAD_IDS)
async def test_a_request_to_a_mentor_id_that_is_no_id_names_the_field(
    raw: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    token = await login(client, db_session, people["sophie"].user)
    response = await client.post(
        f"/programs/{program.id}/matching/requests", data={"csrf_token": token, "mentor_id": raw, "message": "Hi"}
    )
    assert response.status_code == 422, response.text[:2000]
    assert "text/html" in response.headers["content-type"]
    if "\x00" in raw:  # refused by the app-wide guard, which names the field
        assert "mentor_id" in response.text
    else:  # a hidden field: its name means nothing to the reader (and is English on a German page)
        assert "Reload the page and try again." in response.text and "mentor_id" not in response.text
    assert db_session.scalar(select(MentorRequest.id)) is None


@pytest.mark.parametrize("raw", [*BAD_IDS, "", "²"])
async def test_a_swap_with_an_other_id_that_is_no_id_shows_the_form_again_at_the_field(
    raw: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    run = service.start_run(db_session, program, coordinator)
    service.compute_run(db_session, run)
    sophie = db_session.scalar(select(Proposal).where(Proposal.mentee_id == people["sophie"].id))
    assert sophie is not None
    token = await login(client, db_session, coordinator)
    url = f"/programs/{program.id}/matching/proposals/{sophie.id}/swap"
    response = await client.post(url, data={"csrf_token": token, "other_id": raw})
    assert response.status_code == 422, response.text[:2000]
    assert "text/html" in response.headers["content-type"]
    if "\x00" in raw:  # refused by the app-wide guard before the page runs
        assert "other_id" in response.text
        return
    assert "Choose the pair to swap with." in response.text
    assert 'name="other_id" required aria-describedby="f-other_id-hint swap-problem" aria-invalid="true"' in (
        response.text
    )
    db_session.expire_all()
    assert db_session.get(Proposal, sophie.id).mentor_id == people["anna"].id  # type: ignore[union-attr]
    assert sophie.status is ProposalStatus.DRAFT


@pytest.mark.parametrize("raw", [str(2**63), str(2**64), "9" * 5000])
async def test_a_preference_for_an_id_beyond_the_database_names_the_list(
    raw: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    token = await login(client, db_session, people["sophie"].user)
    url = f"/programs/{program.id}/matching/preferences"
    response = await client.post(url, data={"csrf_token": token, f"pref-{raw}": "avoid"})
    assert response.status_code == 422, response.text[:2000]
    assert "Avoid:" in response.text
    assert db_session.scalar(select(MatchPreference.id)) is None


@pytest.mark.parametrize("key", ["pref-²", "pref-abc", "pref--1", "pref-"])
async def test_a_preference_key_that_names_no_id_is_no_field_of_the_form(
    key: str, client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    token = await login(client, db_session, people["sophie"].user)
    url = f"/programs/{program.id}/matching/preferences"
    response = await client.post(url, data={"csrf_token": token, key: "avoid"})
    assert response.status_code == 303, response.text[:2000]
    assert db_session.scalar(select(MatchPreference.id)) is None
