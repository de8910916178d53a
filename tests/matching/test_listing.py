"""The review page and the API list a run's proposals through one query: same search, status filter and order."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.matching import queries, service
from mentorloom.matching.models import ProposalStatus
from tests.factories import make_program, make_token
from tests.matching.helpers import coordinator_user, headers_for, sample_people
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _page_rows(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr id="p-(\d+)"', html)]


async def test_page_and_api_list_the_same_proposals_for_the_same_filter(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    people = sample_people(db_session, program)
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    run = service.start_run(db_session, program, coordinator)
    service.compute_run(db_session, run)
    api = f"/api/v1/programs/{program.id}/matching/runs/{run.id}/proposals"
    page = f"/programs/{program.id}/matching/runs/{run.id}"
    headers = headers_for(db_session, people["anna"])  # a mentor: not allowed to review
    assert (await client.get(api, headers=headers)).status_code == 403
    await login(client, db_session, coordinator)
    headers = make_token(db_session, coordinator)

    everyone = (await client.get(api, headers=headers)).json()
    names = ["sophie", "tom", "uli", "zoe"]  # by mentee name, the unmatched one included
    assert [p["mentee_id"] for p in everyone["items"]] == [people[n].id for n in names]

    for query in ({"q": "bern"}, {"status": "draft", "q": "o"}, {"status": "unmatched"}):
        items = (await client.get(api, headers=headers, params=query)).json()["items"]
        shown = _page_rows((await client.get(page, params=query)).text)
        assert [p["id"] for p in items] == shown, query
    bernd = (await client.get(api, headers=headers, params={"q": "BERN"})).json()["items"]
    assert {p["mentee_id"] for p in bernd} == {people["tom"].id, people["uli"].id}

    unmatched = queries.ProposalFilter(statuses=(ProposalStatus.UNMATCHED,))
    found = queries.proposal_page(db_session, run.id, unmatched, 1, 10)
    assert [p.mentee_id for p in found.rows] == [people["zoe"].id] and found.total == 1

    bad = await client.get(api, headers=headers, params={"status": "nonsense"})
    assert bad.status_code == 422 and "status" in [e["field"] for e in bad.json()["errors"]]


async def test_the_runs_listed_by_the_api_are_those_the_home_page_shows(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    sample_people(db_session, program)
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    first = service.start_run(db_session, program, coordinator)
    service.compute_run(db_session, first)
    second = service.start_run(db_session, program, coordinator, previous=first)
    service.compute_run(db_session, second)
    runs = await client.get(f"/api/v1/programs/{program.id}/matching/runs", headers=make_token(db_session, coordinator))
    assert [r["id"] for r in runs.json()] == [second.id, first.id]
    assert [r.id for r in queries.recent_runs(db_session, program.id, 10)] == [second.id, first.id]
