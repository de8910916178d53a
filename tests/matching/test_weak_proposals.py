"""Proposals below the program's minimum fit: marked in the review, published only after a confirmation."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.errors import ValidationFailed
from mentorloom.matching import queries, service
from mentorloom.matching.models import MatchRun, RunStatus
from mentorloom.programs.models import Program
from mentorloom.programs.schemas import ProgramSettings
from tests.factories import make_program
from tests.matching.helpers import coordinator_user, sample_people
from tests.matching.test_views import login


def _ready_run(session: Session, minimum: int) -> tuple[Program, MatchRun]:
    program = make_program(session)
    program.settings = {"min_proposal_score": minimum}
    sample_people(session, program)
    run = service.start_run(session, program, coordinator_user(session, program))
    service.compute_run(session, run)
    return program, run


def test_the_minimum_defaults_to_40_and_is_bounded() -> None:
    assert ProgramSettings().min_proposal_score == 40
    with pytest.raises(ValueError):
        ProgramSettings(min_proposal_score=101)


def test_weak_pairs_are_published_only_when_confirmed(db_session: Session) -> None:
    _, run = _ready_run(db_session, 100)  # every pair fits less than 100
    assert queries.weak_count(db_session, run.id, 100) == 3
    with pytest.raises(ValidationFailed) as refused:
        service.publish(db_session, run, weak_confirmed=False)
    assert refused.value.errors[0]["field"] == "confirm_weak"
    assert run.status is RunStatus.READY
    assert len(service.publish(db_session, run, weak_confirmed=True)) == 3


def test_without_weak_pairs_no_confirmation_is_needed(db_session: Session) -> None:
    _, run = _ready_run(db_session, 0)
    assert queries.weak_count(db_session, run.id, 0) == 0
    assert len(service.publish(db_session, run, weak_confirmed=False)) == 3


@pytest.mark.anyio
async def test_review_marks_weak_pairs_and_publishing_asks_first(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program, run = _ready_run(db_session, 100)
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    token = await login(client, db_session, coordinator)
    base = f"/programs/{program.id}/matching/runs/{run.id}"
    assert (await client.get(base)).text.count("Weak fit</span>") == 3
    form = await client.get(f"{base}/publish")
    assert "3 pairs fit less than the program minimum of 100." in form.text
    assert 'name="confirm_weak"' in form.text
    refused = await client.post(f"{base}/publish", data={"csrf_token": token})
    assert refused.status_code == 422 and 'aria-invalid="true"' in refused.text
    db_session.expire_all()
    assert db_session.get_one(MatchRun, run.id).status is RunStatus.READY
    published = await client.post(f"{base}/publish", data={"csrf_token": token, "confirm_weak": "yes"})
    assert published.status_code == 303
    db_session.expire_all()
    assert db_session.get_one(MatchRun, run.id).status is RunStatus.PUBLISHED


@pytest.mark.anyio
async def test_the_api_publishes_weak_pairs_as_before(client: httpx.AsyncClient, db_session: Session) -> None:
    from tests.factories import make_token

    program, run = _ready_run(db_session, 100)
    headers = make_token(db_session, coordinator_user(db_session, program, "Api Coordinator"))
    published = await client.post(f"/api/v1/programs/{program.id}/matching/runs/{run.id}/publish", headers=headers)
    assert published.status_code == 200 and published.json()["status"] == "published"
