"""The lifecycle over the API: direct creation within capacity, acceptance, pause/resume, ending and renewing."""

from __future__ import annotations

from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.matching.inputs import engaged_mentees
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.programs.models import Role
from tests.factories import make_program
from tests.matching.helpers import coordinator, headers_for, participant
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


async def _agree_one_goal(client: httpx.AsyncClient, pair: Pair) -> None:
    goal = await client.post(f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Lead a team"})
    assert goal.status_code == 201, goal.text
    for headers in (pair.mentor_h, pair.mentee_h):
        lock = (await client.get(f"{pair.base}/agreement", headers=headers)).json()["lock_version"]
        confirmed = await client.post(f"{pair.base}/agreement/confirm", headers=headers, json={"lock_version": lock})
        assert confirmed.status_code == 200, confirmed.text


async def test_coordinator_creates_within_capacity_and_both_accept(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    program = make_program(db_session)
    program.duration_months = 9
    coord = coordinator(db_session, program)
    mentor = participant(db_session, program, Role.MENTOR, "Karla", capacity=1)
    mentee, other = (participant(db_session, program, Role.MENTEE, name) for name in ("Lio", "Nia"))
    base = f"/api/v1/programs/{program.id}/mentorships"

    wrong = await client.post(base, headers=coord, json={"mentor_id": mentee.id, "mentee_id": mentee.id})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "mentor_id"
    denied = await client.post(
        base, headers=headers_for(db_session, mentee), json={"mentor_id": mentor.id, "mentee_id": mentee.id}
    )
    assert denied.status_code == 403
    created = await client.post(base, headers=coord, json={"mentor_id": mentor.id, "mentee_id": mentee.id})
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "proposed" and created.json()["source"] == "coordinator"
    full = await client.post(base, headers=coord, json={"mentor_id": mentor.id, "mentee_id": other.id})
    assert full.status_code == 409 and full.json()["errors"][0]["field"] == "mentor_id"
    url = f"{base}/{created.json()['id']}"

    first = await client.post(f"{url}/accept", headers=headers_for(db_session, mentee))
    assert first.json()["status"] == "proposed"
    second = await client.post(f"{url}/accept", headers=headers_for(db_session, mentor))
    body = second.json()
    assert body["status"] == "active" and body["started_at"]
    assert body["planned_end_on"] == _months_later(date.today(), 9)
    history = (await client.get(f"{url}/transitions", headers=coord)).json()
    assert [(t["from_status"], t["to_status"], t["action"]) for t in history] == [("proposed", "active", "activate")]
    assert history[0]["by"] == "Karla"


def _months_later(day: date, months: int) -> str:
    from mentorloom.mentorships.cycles import add_months

    return add_months(day, months).isoformat()


async def test_pause_resume_illegal_transitions_and_history(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    paused = await client.post(f"{pair.base}/pause", headers=pair.mentee_h, json={"reason": "Exams until June"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    again = await client.post(f"{pair.base}/pause", headers=pair.mentor_h, json={})
    assert again.status_code == 409
    assert again.json()["detail"] == "A mentorship that is paused cannot become paused."
    resumed = await client.post(f"{pair.base}/resume", headers=pair.coord_h, json={})
    assert resumed.json()["status"] == "active"
    assert (await client.get(pair.base, headers=pair.mentee_h)).json()["actions"] == ["pause", "complete", "end-early"]
    finish = await client.post(f"{pair.base}/finish", headers=pair.mentor_h, json={})
    assert finish.status_code == 409 and "active" in finish.json()["detail"] and "completed" in finish.json()["detail"]
    renew = await client.post(f"{pair.base}/renew", headers=pair.coord_h, json={})
    assert renew.status_code == 403  # renewing is the pair's decision
    too_long = await client.post(f"{pair.base}/pause", headers=pair.mentor_h, json={"reason": "x" * 1001})
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "reason"

    pair_view = (await client.get(f"{pair.base}/transitions", headers=pair.mentor_h)).json()
    coord_view = (await client.get(f"{pair.base}/transitions", headers=pair.coord_h)).json()
    assert [t["action"] for t in pair_view] == ["pause", "resume"]
    assert pair_view[0]["reason"] == "Exams until June" and pair_view[0]["by"].startswith("Mentee Moritz")
    assert coord_view[0]["reason"] is None and coord_view[1]["by"] == "Coordinator"


async def test_end_early_needs_a_reason_and_frees_the_mentee(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    assert pair.mentee.id in engaged_mentees(db_session, pair.program.id)
    missing = await client.post(f"{pair.base}/end-early", headers=pair.mentor_h, json={"note": "sorry"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "closure_reason"
    bad = await client.post(f"{pair.base}/end-early", headers=pair.mentor_h, json={"closure_reason": "boredom"})
    assert bad.status_code == 422
    ended = await client.post(
        f"{pair.base}/end-early",
        headers=pair.mentor_h,
        json={"closure_reason": "lack_of_time", "note": "New job, no time left"},
    )
    body = ended.json()
    assert ended.status_code == 200 and body["status"] == "ended_early"
    assert body["closure_reason"] == "lack_of_time" and body["rematch_requested"] and body["ended_at"]
    db_session.expire_all()
    assert pair.mentee.id not in engaged_mentees(db_session, pair.program.id)
    later = await client.post(f"{pair.base}/resume", headers=pair.mentor_h, json={})
    assert later.status_code == 409 and "ended early" in later.json()["detail"]
    home = (await client.get(pair.base, headers=pair.mentee_h)).json()
    assert home["notice"] == "This mentorship has ended early." and home["actions"] == []


async def test_planned_end_is_editable_by_the_pair_after_the_start(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=3)
    home = (await client.get(pair.base, headers=pair.mentor_h)).json()
    start = date.fromisoformat(home["mentorship"]["started_at"][:10])
    assert home["mentorship"]["planned_end_on"] == _months_later(start, 12)
    early = await client.put(
        f"{pair.base}/planned-end", headers=pair.mentee_h, json={"planned_end_on": start.isoformat()}
    )
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "planned_end_on"
    later = (start + timedelta(days=500)).isoformat()
    moved = await client.put(f"{pair.base}/planned-end", headers=pair.mentee_h, json={"planned_end_on": later})
    assert moved.status_code == 200 and moved.json()["planned_end_on"] == later
    coord = await client.put(f"{pair.base}/planned-end", headers=pair.coord_h, json={"planned_end_on": later})
    assert coord.status_code == 403


async def test_completing_retrospectives_then_renew_for_a_second_cycle(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    await _agree_one_goal(client, pair)
    early_retro = await client.put(f"{pair.base}/retrospective", headers=pair.mentor_h, json={"what_worked": "x"})
    assert early_retro.status_code == 409
    assert (await client.post(f"{pair.base}/complete", headers=pair.mentor_h, json={})).json()["status"] == "completing"
    retro = {"what_worked": "Honest talks", "what_we_learned": "Ask early", "what_next": "Another year"}
    assert (await client.put(f"{pair.base}/retrospective", headers=pair.mentor_h, json=retro)).status_code == 200
    not_yet = await client.post(f"{pair.base}/finish", headers=pair.mentee_h, json={})
    assert not_yet.status_code == 409 and "retrospective" in not_yet.json()["detail"]
    empty = await client.put(f"{pair.base}/retrospective", headers=pair.mentee_h, json={})
    assert empty.status_code == 422
    await client.put(f"{pair.base}/retrospective", headers=pair.mentee_h, json={**retro, "what_next": "Renew!"})
    retros = (await client.get(f"{pair.base}/retrospectives", headers=pair.mentee_h)).json()
    assert {r["side"] for r in retros} == {"mentor", "mentee"}
    assert (await client.get(f"{pair.base}/retrospectives", headers=pair.coord_h)).status_code == 403
    coord_home = await client.get(pair.base, headers=pair.coord_h)
    assert "Honest talks" not in coord_home.text and "Renew!" not in coord_home.text

    renewed = await client.post(f"{pair.base}/renew", headers=pair.mentee_h, json={"note": "Year two"})
    assert renewed.status_code == 200 and renewed.json()["status"] == "active" and renewed.json()["cycle"] == 2
    agreement = (await client.get(f"{pair.base}/agreement", headers=pair.mentor_h)).json()
    assert (agreement["cycle"], agreement["version"], agreement["status"]) == (2, 1, "draft")
    assert [g["title"] for g in agreement["goals"]] == ["Lead a team"] and agreement["note"] == "Year two"
    old = (await client.get(f"{pair.base}/agreement/versions?cycle=1", headers=pair.mentor_h)).json()
    assert [(a["cycle"], a["status"]) for a in old] == [(1, "confirmed")]
    history = (await client.get(f"{pair.base}/transitions", headers=pair.mentor_h)).json()
    assert [t["to_status"] for t in history] == ["completing", "active"]


async def test_coordinator_may_finish_without_retrospectives(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    done = await client.post(f"{pair.base}/finish", headers=pair.coord_h, json={"reason": "closing the program"})
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert done.json()["ended_at"] is not None


async def test_only_the_pair_and_coordinators_see_a_mentorship(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    other = make_pair(db_session)
    outsider = headers_for(db_session, participant(db_session, pair.program, Role.MENTEE, "Olaf"))
    for headers in (outsider, other.mentor_h, other.coord_h):
        response = await client.get(pair.base, headers=headers)
        assert response.status_code == 404, response.text
        assert (await client.post(f"{pair.base}/pause", headers=headers, json={})).status_code == 404
    wrong_program = f"/api/v1/programs/{other.program.id}/mentorships/{pair.mentorship.id}"
    assert (await client.get(wrong_program, headers=other.coord_h)).status_code == 404
    mine = (await client.get(pair.program_base, headers=pair.mentee_h)).json()
    assert [m["id"] for m in mine["items"]] == [pair.mentorship.id]
    assert (await client.get(pair.program_base, headers=outsider)).json()["total"] == 0
    everyone = (await client.get(f"{pair.program_base}?status=active", headers=pair.coord_h)).json()
    assert everyone["total"] == 1 and everyone["items"][0]["mentor"]["name"].startswith("Mentor Marta")
