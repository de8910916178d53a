"""Self-service: shortlist, requests with limits and expiry, and the race for a mentor's last slot."""

from __future__ import annotations

import threading
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.db import Database, utcnow
from mentorloom.errors import Conflict
from mentorloom.matching import mentor_requests
from mentorloom.matching.models import MentorRequest, PreferenceKind
from mentorloom.mentorships.models import Mentorship
from mentorloom.programs.models import Membership, Role
from tests.factories import make_program
from tests.matching.helpers import headers_for, participant

pytestmark = pytest.mark.anyio


async def test_shortlist_is_ranked_explained_and_respects_rules(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    boss = participant(
        db_session,
        program,
        Role.MENTOR,
        "Boss",
        expertise=[{"skill": "Negotiation", "level": 5}],
        values=["autonomy", "family"],
    )
    good = participant(
        db_session,
        program,
        Role.MENTOR,
        "Good",
        expertise=[{"skill": "Negotiation", "level": 4}],
        values=["autonomy", "family"],
    )
    okay = participant(db_session, program, Role.MENTOR, "Okay", values=["security"])
    avoided = participant(db_session, program, Role.MENTOR, "Avoided", values=["autonomy", "family"])
    full = participant(db_session, program, Role.MENTOR, "Full", capacity=0, values=["autonomy", "family"])
    mentee = participant(
        db_session,
        program,
        Role.MENTEE,
        "Mia",
        values=["autonomy", "family"],
        wanted_skills=[{"skill": "Negotiation", "priority": 1}],
        line_manager_email=boss.user.email,
    )
    headers = headers_for(db_session, mentee)
    base = f"/api/v1/programs/{program.id}/matching"
    prefs = await client.put(f"{base}/preferences", headers=headers, json={"avoid": [avoided.id]})
    assert prefs.status_code == 200, prefs.text
    shortlist = (await client.get(f"{base}/shortlist", headers=headers)).json()
    ids = [c["mentor_id"] for c in shortlist]
    assert ids == [good.id, okay.id]  # line manager, avoided and full mentors never appear
    assert shortlist[0]["score"] > shortlist[1]["score"]
    assert any("Negotiation" in line for line in shortlist[0]["explanation"])
    assert full.id not in ids and boss.id not in ids
    for refused in (boss, avoided, full):  # line manager, avoided, no free slot: a request is refused too
        sent = await client.post(f"{base}/requests", headers=headers, json={"mentor_id": refused.id})
        assert sent.status_code == 422 and sent.json()["errors"][0]["field"] == "mentor_id"
    bad = await client.put(f"{base}/preferences", headers=headers, json={"prefer": [mentee.id]})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "prefer"
    assert PreferenceKind.AVOID == "avoid"


async def test_requests_limit_accept_and_withdraw_others(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    program.settings = {"max_open_requests": 2, "request_expiry_days": 3}
    mentors = [participant(db_session, program, Role.MENTOR, f"Mentor {i}") for i in range(3)]
    mentee = participant(db_session, program, Role.MENTEE, "Mira")
    headers = headers_for(db_session, mentee)
    base = f"/api/v1/programs/{program.id}/matching/requests"
    first = await client.post(base, headers=headers, json={"mentor_id": mentors[0].id, "message": "Hallo!"})
    assert first.status_code == 201, first.text
    expires = first.json()["expires_at"]
    assert expires > first.json()["created_at"]
    twice = await client.post(base, headers=headers, json={"mentor_id": mentors[0].id})
    assert twice.status_code == 409
    await client.post(base, headers=headers, json={"mentor_id": mentors[1].id})
    over = await client.post(base, headers=headers, json={"mentor_id": mentors[2].id})
    assert over.status_code == 409 and "You already have 2 open requests" in over.json()["detail"]
    not_mine = await client.post(
        f"{base}/{first.json()['id']}/accept", headers=headers_for(db_session, mentors[1]), json={}
    )
    assert not_mine.status_code == 403
    accepted = await client.post(
        f"{base}/{first.json()['id']}/accept", headers=headers_for(db_session, mentors[0]), json={"note": "Gern!"}
    )
    assert accepted.json()["status"] == "accepted"
    statuses = {r["mentor_id"]: r["status"] for r in (await client.get(base, headers=headers)).json()}
    assert statuses == {mentors[0].id: "accepted", mentors[1].id: "withdrawn"}


async def test_expired_requests_cannot_be_accepted(client: httpx.AsyncClient, db_session: Session) -> None:
    program = make_program(db_session)
    mentor = participant(db_session, program, Role.MENTOR, "Max")
    mentee = participant(db_session, program, Role.MENTEE, "Emma")
    base = f"/api/v1/programs/{program.id}/matching/requests"
    sent = (await client.post(base, headers=headers_for(db_session, mentee), json={"mentor_id": mentor.id})).json()
    db_session.execute(update(MentorRequest).values(expires_at=utcnow() - timedelta(minutes=1)))
    late = await client.post(f"{base}/{sent['id']}/accept", headers=headers_for(db_session, mentor), json={})
    assert late.status_code == 409
    # The refused request wrote nothing; the periodic job marks it expired.
    assert mentor_requests.expire_requests(db_session) == 1


def test_race_for_the_last_slot_has_exactly_one_winner(fresh_database_url: str) -> None:
    """Two mentors' acceptances of two requests for one remaining slot, on separate connections at once."""
    migrate.upgrade(fresh_database_url)
    database = Database(fresh_database_url)
    with database.session() as session:
        program = make_program(session)
        mentor = participant(session, program, Role.MENTOR, "Last Slot", capacity=1)
        mentees = [participant(session, program, Role.MENTEE, f"Racer {i}") for i in range(2)]
        reqs = [mentor_requests.send_request(session, program, m, mentor.id, "") for m in mentees]
        ids, mentor_id = [r.id for r in reqs], mentor.id
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def accept(request_id: int) -> None:
        try:
            with database.session() as session:
                request = session.get(MentorRequest, request_id)
                me = session.get(Membership, mentor_id)
                assert request is not None and me is not None
                barrier.wait()
                mentor_requests.answer_request(session, request, me, True)
            outcomes.append("won")
        except Conflict:
            outcomes.append("lost")

    threads = [threading.Thread(target=accept, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    with database.session() as session:
        pairs = session.scalar(select(func.count()).select_from(Mentorship).where(Mentorship.mentor_id == mentor_id))
    database.dispose()
    assert sorted(outcomes) == ["lost", "won"]
    assert pairs == 1
