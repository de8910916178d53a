"""Every started mentorship has its cycle start and planned end from the moment it exists, not from a page view."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.db import as_utc, create_db_engine
from mentorloom.mentorships.cycles import add_months
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import coordinator, headers_for, participant, sample_people
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


def _assert_planned(mentorship: Mentorship, months: int) -> None:
    assert mentorship.started_at is not None and mentorship.cycle_started_at is not None
    assert as_utc(mentorship.cycle_started_at) == as_utc(mentorship.started_at)
    assert mentorship.planned_end_on == add_months(as_utc(mentorship.cycle_started_at).date(), months)


async def test_a_match_both_accept_has_its_planned_end_at_once(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    program.duration_months = 9
    headers, people = coordinator(db_session, program), sample_people(db_session, program)
    base = f"/api/v1/programs/{program.id}/matching"
    run = (await client.post(f"{base}/runs", headers=headers, json={})).json()
    await client.post(f"{base}/runs/{run['id']}/publish", headers=headers)
    for who in ("sophie", "anna"):
        (offer,) = (await client.get(f"{base}/offers", headers=headers_for(db_session, people[who]))).json()
        answer = await client.post(
            f"{base}/proposals/{offer['id']}/answer",
            headers=headers_for(db_session, people[who]),
            json={"answer": "accepted"},
        )
        assert answer.status_code == 200, answer.text
    mentorship = db_session.scalar(select(Mentorship).where(Mentorship.mentee_id == people["sophie"].id))
    assert mentorship is not None
    _assert_planned(mentorship, 9)  # no page of the mentorship was opened


async def test_an_accepted_request_has_its_planned_end_at_once(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    program.duration_months = 7
    mentor = participant(db_session, program, Role.MENTOR, "Mentor Maren")
    mentee = participant(db_session, program, Role.MENTEE, "Mentee Mats")
    base = f"/api/v1/programs/{program.id}/matching/requests"
    sent = await client.post(base, headers=headers_for(db_session, mentee), json={"mentor_id": mentor.id})
    assert sent.status_code == 201, sent.text
    accepted = await client.post(f"{base}/{sent.json()['id']}/accept", headers=headers_for(db_session, mentor), json={})
    assert accepted.json()["status"] == "accepted"
    mentorship = db_session.scalar(select(Mentorship).where(Mentorship.mentee_id == mentee.id))
    assert mentorship is not None
    _assert_planned(mentorship, 7)


async def test_the_list_shows_the_planned_end_before_anyone_opened_the_mentorship(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=2)
    listed = (await client.get(pair.program_base, headers=pair.coord_h)).json()["items"]
    assert [m["planned_end_on"] for m in listed] == [pair.mentorship.planned_end_on.isoformat()]


def test_migration_fills_the_cycle_dates_of_older_mentorships(fresh_database_url: str) -> None:
    migrate.upgrade(fresh_database_url)
    engine = create_db_engine(fresh_database_url)
    try:
        with Session(engine) as session:
            pair = make_pair(session, started_days_ago=40, duration_months=6, coordinator_headers={})
            moved = make_pair(session, program=pair.program, coordinator_headers={})
            moved_end = moved.mentorship.planned_end_on
            # As matching used to leave them: a start, no cycle start, no planned end (or one the pair set).
            session.execute(update(Mentorship).values(cycle_started_at=None))
            session.execute(update(Mentorship).where(Mentorship.id == pair.mentorship.id).values(planned_end_on=None))
            session.commit()
            ids = {"older": pair.mentorship.id, "moved": moved.mentorship.id}
        migrate.downgrade(fresh_database_url, "0004_mentorships")
        migrate.upgrade(fresh_database_url)
        with Session(engine) as session:
            older, kept = (session.get_one(Mentorship, ids[k]) for k in ("older", "moved"))
            _assert_planned(older, 6)
            assert as_utc(kept.cycle_started_at) == as_utc(kept.started_at) and kept.planned_end_on == moved_end
    finally:
        engine.dispose()
