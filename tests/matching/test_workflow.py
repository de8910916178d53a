"""The coordinator's matching workflow over the API: run, review (lock, reject, swap), re-run, publish, answer."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Membership, Program, Role
from tests.factories import make_program
from tests.matching.helpers import coordinator, headers_for, participant, sample_people

pytestmark = pytest.mark.anyio


def _program(session: Session) -> tuple[Program, dict[str, str], dict[str, Membership]]:
    program = make_program(session)
    headers = coordinator(session, program)
    return program, headers, sample_people(session, program)


def _by_mentee(proposals: list[dict]) -> dict[int, dict]:
    return {p["mentee_id"]: p for p in proposals if p["status"] != "rejected"}


async def test_run_review_rerun_publish_accept(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers, people = _program(db_session)
    base = f"/api/v1/programs/{program.id}/matching"
    run = await client.post(f"{base}/runs", headers=headers, json={})
    assert run.status_code == 201, run.text
    run_id = run.json()["id"]
    assert run.json()["stats"]["matched"] == 3 and run.json()["stats"]["unmatched_reasons"] == {
        "no_compatible_mentor": 1
    }
    proposals = _by_mentee((await client.get(f"{base}/runs/{run_id}/proposals", headers=headers)).json()["items"])
    sophie = proposals[people["sophie"].id]
    assert sophie["mentor_id"] == people["anna"].id
    assert "Shared values: Autonomy and Family" in sophie["explanation"]
    assert any("Expertise in Negotiation (level 5 of 5)" in line for line in sophie["explanation"])
    assert proposals[people["zoe"].id]["status"] == "unmatched"
    assert proposals[people["zoe"].id]["unmatched_reason"] == "no_compatible_mentor"
    assert {proposals[people[m].id]["mentor_id"] for m in ("tom", "uli")} == {people["bernd"].id}

    # Lock Sophie–Anna, reject Tom–Bernd; the re-run keeps the lock and never proposes the rejected pair.
    await client.post(f"{base}/proposals/{sophie['id']}/lock", headers=headers)
    await client.post(f"{base}/proposals/{proposals[people['tom'].id]['id']}/reject", headers=headers)
    rerun = await client.post(f"{base}/runs/{run_id}/rerun", headers=headers)
    assert rerun.status_code == 201, rerun.text
    new_id = rerun.json()["id"]
    again = (await client.get(f"{base}/runs/{new_id}/proposals", headers=headers)).json()["items"]
    current = _by_mentee(again)
    assert current[people["sophie"].id]["status"] == "locked"
    assert current[people["tom"].id]["mentor_id"] != people["bernd"].id
    assert any(p["status"] == "rejected" and p["mentee_id"] == people["tom"].id for p in again)
    old = await client.post(f"{base}/proposals/{sophie['id']}/unlock", headers=headers)
    assert old.status_code == 409  # the old run is no longer under review

    published = await client.post(f"{base}/runs/{new_id}/publish", headers=headers)
    assert published.json()["status"] == "published"
    offer_id = current[people["sophie"].id]["id"]
    for who in ("sophie", "anna"):
        offers = (await client.get(f"{base}/offers", headers=headers_for(db_session, people[who]))).json()
        assert [o["id"] for o in offers] == [offer_id]
        answer = await client.post(
            f"{base}/proposals/{offer_id}/answer",
            headers=headers_for(db_session, people[who]),
            json={"answer": "accepted"},
        )
        assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "accepted"
    pair = db_session.scalar(select(Mentorship).where(Mentorship.mentee_id == people["sophie"].id))
    assert pair is not None and pair.mentor_id == people["anna"].id and pair.status.value == "active"


async def test_decline_needs_a_reason_and_offers_the_next_best(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers, people = _program(db_session)
    extra = participant(db_session, program, Role.MENTOR, "Carla", capacity=1)
    base = f"/api/v1/programs/{program.id}/matching"
    run_id = (await client.post(f"{base}/runs", headers=headers, json={})).json()["id"]
    await client.post(f"{base}/runs/{run_id}/publish", headers=headers)
    sophie_headers = headers_for(db_session, people["sophie"])
    (offer,) = (await client.get(f"{base}/offers", headers=sophie_headers)).json()
    no_reason = await client.post(
        f"{base}/proposals/{offer['id']}/answer", headers=sophie_headers, json={"answer": "declined"}
    )
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    declined = await client.post(
        f"{base}/proposals/{offer['id']}/answer",
        headers=sophie_headers,
        json={"answer": "declined", "reason": "We already work together"},
    )
    assert declined.json()["status"] == "declined"
    (next_offer,) = (await client.get(f"{base}/offers", headers=sophie_headers)).json()
    # Anna is ruled out by the decline, Bernd's two slots are held by open offers: Carla is next.
    assert next_offer["mentor_id"] == extra.id != offer["mentor_id"]
    stranger = await client.post(
        f"{base}/proposals/{next_offer['id']}/answer",
        headers=headers_for(db_session, people["tom"]),
        json={"answer": "accepted"},
    )
    assert stranger.status_code == 403


async def test_swap_rescores_and_refuses_forbidden_pairs(client: httpx.AsyncClient, db_session: Session) -> None:
    program, headers, people = _program(db_session)
    base = f"/api/v1/programs/{program.id}/matching"
    run_id = (await client.post(f"{base}/runs", headers=headers, json={})).json()["id"]
    items = (await client.get(f"{base}/runs/{run_id}/proposals", headers=headers)).json()["items"]
    props = _by_mentee(items)
    sophie, tom = props[people["sophie"].id], props[people["tom"].id]
    swapped = await client.post(f"{base}/proposals/{sophie['id']}/swap", headers=headers, json={"other_id": tom["id"]})
    assert swapped.status_code == 200, swapped.text
    first, second = swapped.json()
    assert first["mentor_id"] == people["bernd"].id and second["mentor_id"] == people["anna"].id
    assert first["score"] < sophie["score"]  # Sophie loses her negotiation expert
    zoe = props[people["zoe"].id]
    refused = await client.post(f"{base}/proposals/{zoe['id']}/swap", headers=headers, json={"other_id": tom["id"]})
    assert refused.status_code == 409  # Zoe shares no language with Anna


async def test_only_coordinators_run_matching_and_other_programs_404(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, headers, people = _program(db_session)
    other = make_program(db_session)
    mentee_headers = headers_for(db_session, people["tom"])
    assert (
        await client.post(f"/api/v1/programs/{program.id}/matching/runs", headers=mentee_headers, json={})
    ).status_code == 403
    assert (
        await client.post(f"/api/v1/programs/{other.id}/matching/runs", headers=headers, json={})
    ).status_code == 404
