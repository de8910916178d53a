"""Placements racing on separate connections: one winner, the others a clear 409, never a 500 (issue 8.9)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from psycopg.errors import DeadlockDetected, SerializationFailure
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from mentorloom import migrate
from mentorloom.config import Settings
from mentorloom.db import utcnow
from mentorloom.matching.models import MentorRequest
from mentorloom.mentorships.models import OCCUPYING, Mentorship
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import headers_for, participant

pytestmark = pytest.mark.anyio

MENTORS, ROUNDS = 3, 8


async def test_three_mentors_accepting_one_mentee_at_once_make_one_pair(
    tmp_path: Path, fresh_database_url: str
) -> None:
    """Each round a new mentee asks three mentors, who all accept at the same moment (a thread and connection each)."""
    from mentorloom.app import create_app

    migrate.upgrade(fresh_database_url)
    settings = Settings(
        var_dir=tmp_path / "var",
        database_url=fresh_database_url,
        secret_key="race-test",
        jobs_immediate=True,
        base_url="http://testserver",
        text_encoder="tfidf",
    )
    app = create_app(settings)
    database = app.state.db
    with database.session() as session:
        program = make_program(session)
        program.settings = {"max_open_requests": MENTORS}
        mentors = [participant(session, program, Role.MENTOR, f"Mentor {j}", capacity=ROUNDS) for j in range(MENTORS)]
        mentees = [participant(session, program, Role.MENTEE, f"Mentee {r}") for r in range(ROUNDS)]
        rounds = []
        for mentee in mentees:
            asked = [
                MentorRequest(
                    program_id=program.id,
                    mentee_id=mentee.id,
                    mentor_id=m.id,
                    expires_at=utcnow() + timedelta(days=7),
                )
                for m in mentors
            ]
            session.add_all(asked)
            session.flush()
            rounds.append([r.id for r in asked])
        mentor_headers = [headers_for(session, m) for m in mentors]
        program_id, mentee_ids = program.id, [m.id for m in mentees]
    base = f"/api/v1/programs/{program_id}/matching/requests"
    outcomes = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        for request_ids in rounds:
            answers = await asyncio.gather(
                *(
                    client.post(f"{base}/{request_id}/accept", headers=h, json={})
                    for request_id, h in zip(request_ids, mentor_headers, strict=True)
                )
            )
            outcomes.append(answers)
    with database.session() as session:
        live = {
            mentee_id: session.scalar(
                select(func.count())
                .select_from(Mentorship)
                .where(Mentorship.mentee_id == mentee_id, Mentorship.status.in_(OCCUPYING))
            )
            for mentee_id in mentee_ids
        }
    database.dispose()
    for r, answers in enumerate(outcomes):
        codes = sorted(a.status_code for a in answers)
        assert codes == [200, 409, 409], [(a.status_code, a.text[:200]) for a in answers]
        for lost in (a for a in answers if a.status_code == 409):
            # The winner withdrew the mentee's other requests; a loser that got there first is told the mentee is taken.
            detail = lost.json()["detail"]
            assert "withdrawn" in detail or f"Mentee {r} already has a mentorship" in detail, detail
    assert set(live.values()) == {1}


@pytest.mark.parametrize("orig", [DeadlockDetected("deadlock detected"), SerializationFailure("could not serialize")])
async def test_a_race_the_database_aborts_answers_409_not_500(
    app: FastAPI, client: httpx.AsyncClient, orig: Exception
) -> None:
    """The last guard behind the lock order: an aborted transaction is a lost race the client may retry."""

    def lose() -> None:
        raise OperationalError("UPDATE memberships ...", {}, orig)

    app.add_api_route("/api/v1/_lost_race", lose)
    lost = await client.get("/api/v1/_lost_race")
    assert lost.status_code == 409 and lost.headers["content-type"] == "application/problem+json"
    assert "at the same moment" in lost.json()["detail"]
