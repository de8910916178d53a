"""A large program's run goes through the job queue; failures are recorded on the run."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.matching import service
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import coordinator, participant

pytestmark = pytest.mark.anyio


async def test_large_program_runs_in_the_background(
    client: httpx.AsyncClient, db_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BACKGROUND_MENTEES", 1)  # the threshold, not the engine, is under test
    program = make_program(db_session)
    headers = coordinator(db_session, program)
    participant(db_session, program, Role.MENTOR, "Mentor A", capacity=2)
    for name in ("Mentee A", "Mentee B"):
        participant(db_session, program, Role.MENTEE, name)
    response = await client.post(f"/api/v1/programs/{program.id}/matching/runs", headers=headers, json={})
    assert response.status_code == 202 and response.json()["status"] == "queued"
    run = await client.get(f"/api/v1/programs/{program.id}/matching/runs/{response.json()['id']}", headers=headers)
    assert run.json()["status"] == "ready" and run.json()["stats"]["matched"] == 2  # immediate queue in tests
