"""One placement for every way a pair is made: a mentee has one live mentorship, a mentor never exceeds capacity."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mentorloom.errors import Conflict
from mentorloom.mentorships import placement
from mentorloom.mentorships.models import (
    OCCUPYING,
    Mentorship,
    MentorshipSource,
    MentorshipStatus,
    MentorshipTransition,
)
from mentorloom.profiles.models import Profile
from mentorloom.programs.models import Membership, Role
from tests.factories import make_program
from tests.matching.helpers import coordinator, headers_for, participant

pytestmark = pytest.mark.anyio


def _live(session: Session, mentee: Membership) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(Mentorship)
            .where(Mentorship.mentee_id == mentee.id, Mentorship.status.in_(OCCUPYING))
        )
        or 0
    )


async def test_request_then_offer_of_the_same_mentor_make_one_pair(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    """The issue's sequence: request, published offer, capacity raised, request accepted, both accept the offer."""
    program = make_program(db_session)
    mentor = participant(db_session, program, Role.MENTOR, "Martha Mentor", capacity=1)
    mentee = participant(db_session, program, Role.MENTEE, "Emil Mentee")
    coord_h = coordinator(db_session, program)
    mentor_h, mentee_h = headers_for(db_session, mentor), headers_for(db_session, mentee)
    base = f"/api/v1/programs/{program.id}/matching"
    sent = await client.post(f"{base}/requests", headers=mentee_h, json={"mentor_id": mentor.id})
    assert sent.status_code == 201, sent.text
    run = await client.post(f"{base}/runs", headers=coord_h, json={})
    assert run.status_code == 201, run.text
    published = await client.post(f"{base}/runs/{run.json()['id']}/publish", headers=coord_h)
    assert published.status_code == 200, published.text
    offers = (await client.get(f"{base}/offers", headers=mentee_h)).json()
    assert [o["mentor_id"] for o in offers] == [mentor.id]
    db_session.execute(update(Profile).where(Profile.membership_id == mentor.id).values(capacity=2))
    accepted = await client.post(f"{base}/requests/{sent.json()['id']}/accept", headers=mentor_h, json={})
    assert accepted.status_code == 200, accepted.text
    answers = [
        await client.post(f"{base}/proposals/{offers[0]['id']}/answer", headers=h, json={"answer": "accepted"})
        for h in (mentee_h, mentor_h)
    ]
    assert answers[-1].status_code == 409, answers[-1].text
    assert "Emil Mentee already has a mentorship" in answers[-1].json()["detail"]
    assert _live(db_session, mentee) == 1


async def test_coordinator_cannot_place_a_mentee_twice_nor_past_capacity(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    mentors = [participant(db_session, program, Role.MENTOR, f"Mentor {n}", capacity=1) for n in (1, 2)]
    mentees = [participant(db_session, program, Role.MENTEE, f"Mentee {n}") for n in (1, 2)]
    coord_h = coordinator(db_session, program)
    url = f"/api/v1/programs/{program.id}/mentorships"
    first = await client.post(url, headers=coord_h, json={"mentor_id": mentors[0].id, "mentee_id": mentees[0].id})
    assert first.status_code == 201, first.text
    twice = await client.post(url, headers=coord_h, json={"mentor_id": mentors[1].id, "mentee_id": mentees[0].id})
    assert twice.status_code == 409 and twice.json()["errors"][0]["field"] == "mentee_id"
    assert "Mentee 1 already has a mentorship" in twice.json()["detail"]
    full = await client.post(url, headers=coord_h, json={"mentor_id": mentors[0].id, "mentee_id": mentees[1].id})
    assert full.status_code == 409 and full.json()["errors"][0]["field"] == "mentor_id"
    assert "Mentor 1" in full.json()["detail"]


def test_placement_creates_the_pair_with_its_cycle_and_records_the_start(db_session: Session) -> None:
    program = make_program(db_session)
    mentor = participant(db_session, program, Role.MENTOR, "Mia Mentor", capacity=1)
    mentee = participant(db_session, program, Role.MENTEE, "Ole Mentee")
    pair = placement.place(
        db_session, program, mentor_id=mentor.id, mentee_id=mentee.id, source=MentorshipSource.REQUEST, by=mentor.user
    )
    assert pair.status is MentorshipStatus.ACTIVE and pair.planned_end_on is not None and pair.started_at is not None
    recorded = db_session.scalars(select(MentorshipTransition).where(MentorshipTransition.mentorship_id == pair.id))
    assert [(t.from_status, t.to_status, t.by_user_id) for t in recorded] == [
        (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE, mentor.user_id)
    ]
    with pytest.raises(Conflict) as refused:
        placement.place(
            db_session, program, mentor_id=mentor.id, mentee_id=mentee.id, source=MentorshipSource.MATCHING, by=None
        )
    assert refused.value.field == "mentee_id"


def test_the_database_refuses_a_second_live_mentorship(db_session: Session) -> None:
    """The last guard, below every code path: one live mentorship per mentee (ended ones may pile up)."""
    program = make_program(db_session)
    mentors = [participant(db_session, program, Role.MENTOR, f"Mentor {n}", capacity=2) for n in (1, 2, 3)]
    mentee = participant(db_session, program, Role.MENTEE, "Mentee")

    def add(mentor: Membership, status: MentorshipStatus) -> None:
        db_session.add(
            Mentorship(
                program_id=program.id,
                mentor_id=mentor.id,
                mentee_id=mentee.id,
                source=MentorshipSource.COORDINATOR,
                status=status,
            )
        )
        db_session.flush()

    add(mentors[0], MentorshipStatus.ENDED_EARLY)
    add(mentors[1], MentorshipStatus.ACTIVE)
    with pytest.raises(IntegrityError), db_session.begin_nested():
        add(mentors[2], MentorshipStatus.PROPOSED)
