"""Issue 8.2: tag autocomplete suggests only tags on the caller's program's profiles.

Tags are one table for every program, and a pair's private goals name skills too: neither another
program's tags nor a private goal's skills may leak through the suggestions.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.programs.models import Program, Role
from tests.factories import make_program
from tests.matching.helpers import participant
from tests.mentorships.helpers import Pair, make_pair
from tests.profiles.test_views import _log_in

pytestmark = pytest.mark.anyio
PRIVATE_SKILL = "Kündigung vorbereiten"


async def _setup(client: httpx.AsyncClient, session: Session) -> tuple[Pair, Program]:
    pair = make_pair(session)  # program A, with a mentor and a mentee
    participant(
        session, pair.program, Role.MENTOR, "Karla Kern", expertise=[{"skill": "Kubernetes", "level": 4}], capacity=1
    )
    participant(session, pair.program, Role.MENTEE, "Kai Kunz", interests=["Kajak"])
    other = make_program(session, name="Other program")
    participant(session, other, Role.MENTOR, "Konrad Koch", expertise=[{"skill": "Kotlin", "level": 5}], capacity=1)
    participant(session, other, Role.MENTEE, "Kim Kahl", interests=["Karate"])
    # The pair puts a skill on a goal of their own agreement: only the two of them may ever see it.
    goal = await client.post(
        f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Leave well", "skills": [PRIVATE_SKILL]}
    )
    assert goal.status_code == 201, goal.text
    return pair, other


async def test_api_suggests_only_the_programs_profile_tags(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, other = await _setup(client, db_session)
    program_id = pair.program.id

    async def tags(headers: dict[str, str], **params: object) -> httpx.Response:
        return await client.get("/api/v1/tags", headers=headers, params=params)

    skills = await tags(pair.mentor_h, program_id=program_id, kind="skill", q="k")
    assert skills.status_code == 200 and skills.json() == ["Kubernetes"]
    assert (await tags(pair.mentor_h, program_id=program_id, kind="interest", q="k")).json() == ["Kajak"]
    everything = await tags(pair.mentee_h, program_id=program_id, kind="skill", q="")
    assert PRIVATE_SKILL not in everything.text and "Kotlin" not in everything.text
    assert (await tags(pair.mentee_h, program_id=other.id, kind="skill", q="k")).status_code == 404
    missing = await tags(pair.mentee_h, kind="skill", q="k")
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "program_id"


async def test_api_tags_documents_the_program_parameter(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    params = {p["name"]: p for p in spec["paths"]["/api/v1/tags"]["get"]["parameters"]}
    assert params["program_id"]["required"] is True and params["program_id"]["in"] == "query"


async def test_page_suggests_only_the_programs_profile_tags(client: httpx.AsyncClient, db_session: Session) -> None:
    pair, other = await _setup(client, db_session)
    await _log_in(client, db_session, pair.mentee.user)
    url = f"/programs/{pair.program.id}/tags/suggest"
    skills = await client.get(url, params={"kind": "skill", "q": "k"})
    assert skills.status_code == 200 and "Kubernetes" in skills.text
    assert "Kotlin" not in skills.text and PRIVATE_SKILL not in skills.text
    interests = await client.get(url, params={"kind": "interest", "q": "k"})
    assert "Kajak" in interests.text and "Karate" not in interests.text
    elsewhere = await client.get(f"/programs/{other.id}/tags/suggest", params={"kind": "skill", "q": "k"})
    assert elsewhere.status_code == 404
