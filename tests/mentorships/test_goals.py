"""Goals: revisions of agreed goals keep their history with reasons; dated progress notes; the timeline."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


async def _agreed_goal(client: httpx.AsyncClient, pair: Pair) -> dict:
    goal = await client.post(
        f"{pair.base}/goals",
        headers=pair.mentee_h,
        json={"title": "Give a talk", "success_criteria": "One meetup talk", "target_date": "2027-03-01"},
    )
    assert goal.status_code == 201, goal.text
    for headers in (pair.mentor_h, pair.mentee_h):
        lock = (await client.get(f"{pair.base}/agreement", headers=headers)).json()["lock_version"]
        await client.post(f"{pair.base}/agreement/confirm", headers=headers, json={"lock_version": lock})
    goals = (await client.get(f"{pair.base}/goals", headers=pair.mentee_h)).json()
    assert goals[0]["agreed"] is True
    return goals[0]


async def test_revising_an_agreed_goal_keeps_its_history(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    goal = await _agreed_goal(client, pair)
    url = f"{pair.base}/goals/{goal['key']}"
    no_reason = await client.patch(url, headers=pair.mentee_h, json={"lock_version": 1, "target_date": "2027-06-01"})
    assert no_reason.status_code == 422 and no_reason.json()["errors"][0]["field"] == "reason"
    empty_reason = await client.post(f"{url}/revisions", headers=pair.mentee_h, json={"lock_version": 1, "reason": ""})
    assert empty_reason.status_code == 422
    long_reason = await client.post(
        f"{url}/revisions", headers=pair.mentee_h, json={"lock_version": 1, "reason": "r" * 501}
    )
    assert long_reason.status_code == 422 and long_reason.json()["errors"][0]["field"] == "reason"

    revised = await client.post(
        f"{url}/revisions",
        headers=pair.mentee_h,
        json={
            "lock_version": goal["lock_version"],
            "title": "Give a conference talk",
            "success_criteria": "Accepted at a conference",
            "target_date": "2027-06-01",
            "reason": "The meetup was cancelled",
        },
    )
    assert revised.status_code == 201, revised.text
    assert revised.json()["lock_version"] == goal["lock_version"] + 1
    agreement = (await client.get(f"{pair.base}/agreement", headers=pair.mentor_h)).json()
    assert (agreement["version"], agreement["status"], agreement["in_force_version"]) == (2, "draft", 1)
    second = await client.patch(
        url,
        headers=pair.mentor_h,
        json={"lock_version": revised.json()["lock_version"], "target_date": None, "reason": "No deadline pressure"},
    )
    assert second.status_code == 200 and second.json()["target_date"] is None

    timeline = (await client.get(f"{pair.base}/goals/timeline", headers=pair.mentor_h)).json()
    assert [e["kind"] for e in timeline] == ["added", "revised", "revised"]
    first_rev = timeline[1]
    assert first_rev["reason"] == "The meetup was cancelled" and first_rev["by"].startswith("Mentee Moritz")
    assert first_rev["before"]["title"] == "Give a talk" and first_rev["after"]["title"] == "Give a conference talk"
    assert first_rev["before"]["target_date"] == "2027-03-01" and first_rev["after"]["target_date"] == "2027-06-01"
    assert timeline[2]["after"]["target_date"] is None and timeline[2]["by"].startswith("Mentor Marta")
    assert (await client.get(f"{pair.base}/goals/timeline", headers=pair.coord_h)).status_code == 403
    home = (await client.get(pair.base, headers=pair.mentee_h)).json()
    assert any("The meetup was cancelled" in a["text"] for a in home["activity"])


async def test_progress_notes_are_dated_and_set_the_goal_status(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    goal = await _agreed_goal(client, pair)
    url = f"{pair.base}/goals/{goal['key']}/progress"
    assert goal["status"] == "not_started" and goal["progress"] == 0
    nothing = await client.post(url, headers=pair.mentee_h, json={})
    assert nothing.status_code == 422 and nothing.json()["errors"][0]["field"] == "progress"
    too_much = await client.post(url, headers=pair.mentee_h, json={"progress": 101})
    assert too_much.status_code == 422
    long_note = await client.post(url, headers=pair.mentee_h, json={"note": "n" * 1001})
    assert long_note.status_code == 422 and long_note.json()["errors"][0]["field"] == "note"

    first = await client.post(url, headers=pair.mentee_h, json={"progress": 30, "note": "Outline written"})
    assert first.status_code == 201 and first.json()["status"] == "in_progress" and first.json()["created_at"]
    await client.post(url, headers=pair.mentor_h, json={"note": "Great outline!"})
    done = await client.post(url, headers=pair.mentee_h, json={"progress": 100, "status": "achieved"})
    assert done.json()["status"] == "achieved"

    log = (await client.get(url, headers=pair.mentor_h)).json()
    assert [(p["progress"], p["note"]) for p in log] == [(100, ""), (30, "Great outline!"), (30, "Outline written")]
    goals = (await client.get(f"{pair.base}/goals", headers=pair.mentor_h)).json()
    assert (goals[0]["status"], goals[0]["progress"]) == ("achieved", 100)
    assert (await _agreement_version(client, pair)) == 1  # progress is no agreement change
    timeline = (await client.get(f"{pair.base}/goals/timeline", headers=pair.mentor_h)).json()
    assert [(e["kind"], e["status"]) for e in timeline] == [
        ("added", None),
        ("status", "in_progress"),
        ("status", "achieved"),
    ]
    assert (await client.get(url, headers=pair.coord_h)).status_code == 403
    coord_view = await client.get(pair.base, headers=pair.coord_h)
    assert "Outline written" not in coord_view.text
    unknown = await client.post(f"{pair.base}/goals/nope/progress", headers=pair.mentee_h, json={"progress": 5})
    assert unknown.status_code == 404


async def _agreement_version(client: httpx.AsyncClient, pair: Pair) -> int:
    return int((await client.get(f"{pair.base}/agreement", headers=pair.mentor_h)).json()["version"])
