"""The agreement: drafting each side's terms, both confirmations, new versions, diffs and stale saves."""

from __future__ import annotations

from datetime import date

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.mentorships.cycles import add_months
from mentorloom.programs.models import Cadence
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


async def _agreement(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str] | None = None) -> dict:
    response = await client.get(f"{pair.base}/agreement", headers=headers or pair.mentor_h)
    assert response.status_code == 200, response.text
    return response.json()


async def _confirm(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str]) -> httpx.Response:
    lock = (await _agreement(client, pair, headers))["lock_version"]
    return await client.post(f"{pair.base}/agreement/confirm", headers=headers, json={"lock_version": lock})


async def test_draft_confirm_then_a_change_is_version_two_needing_both(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, default_cadence=Cadence.BIWEEKLY)
    draft = await _agreement(client, pair)
    assert (draft["cycle"], draft["version"], draft["status"], draft["cadence"]) == (1, 1, "draft", "biweekly")
    assert draft["planned_months"] == 12 and draft["in_force_version"] is None

    mine = await client.patch(
        f"{pair.base}/agreement",
        headers=pair.mentee_h,
        json={
            "lock_version": draft["lock_version"],
            "expectations": "Honest feedback on my plans",
            "preferred_channel": "chat",
            "expected_response_time": "same_day",
            "feedback_style": "Direct, with examples",
            "format": "in_person",
        },
    )
    assert mine.status_code == 200, mine.text
    body = mine.json()
    assert body["mentee"]["expectations"] == "Honest feedback on my plans" and body["mentor"]["expectations"] == ""
    assert body["mentee"]["checklist"] == {
        "confidentiality": True,
        "preferred_channel": "chat",
        "expected_response_time": "same_day",
        "feedback_style": "Direct, with examples",
    }
    no_goals = await _confirm(client, pair, pair.mentor_h)
    assert no_goals.status_code == 422 and no_goals.json()["errors"][0]["field"] == "goals"
    goal = await client.post(
        f"{pair.base}/goals",
        headers=pair.mentee_h,
        json={"title": "Negotiate my salary", "skills": ["Negotiation", "negotiation "], "success_criteria": "A raise"},
    )
    assert goal.status_code == 201 and goal.json()["skills"] == ["Negotiation"]

    assert (await _confirm(client, pair, pair.mentor_h)).json()["status"] == "draft"
    confirmed = (await _confirm(client, pair, pair.mentee_h)).json()
    assert confirmed["status"] == "confirmed" and confirmed["in_force_version"] == 1
    assert confirmed["confirmed_by_mentor_at"] and confirmed["confirmed_by_mentee_at"]
    twice = await _confirm(client, pair, pair.mentee_h)
    assert twice.status_code == 409

    changed = await client.patch(
        f"{pair.base}/agreement",
        headers=pair.mentor_h,
        json={
            "lock_version": confirmed["lock_version"],
            "cadence": "monthly",
            "planned_months": 6,
            "note": "Less time in autumn",
        },
    )
    v2 = changed.json()
    assert (v2["version"], v2["status"], v2["cadence"], v2["in_force_version"]) == (2, "draft", "monthly", 1)
    assert v2["confirmed_by_mentor_at"] is None and v2["confirmed_by_mentee_at"] is None
    assert [g["key"] for g in v2["goals"]] == [goal.json()["key"]]
    assert (await _confirm(client, pair, pair.mentor_h)).json()["status"] == "draft"
    assert (await _confirm(client, pair, pair.mentee_h)).json()["status"] == "confirmed"
    mentorship = (await client.get(pair.base, headers=pair.mentor_h)).json()["mentorship"]
    start = date.fromisoformat(mentorship["cycle_started_at"][:10])
    assert mentorship["planned_end_on"] == add_months(start, 6).isoformat()  # the agreed duration sets the end

    versions = (await client.get(f"{pair.base}/agreement/versions", headers=pair.mentee_h)).json()
    assert [(v["version"], v["status"], v["cadence"]) for v in versions] == [
        (1, "confirmed", "biweekly"),
        (2, "confirmed", "monthly"),
    ]
    one = await client.get(f"{pair.base}/agreement/versions/1", headers=pair.mentee_h)
    assert one.json()["cadence"] == "biweekly"
    assert (await client.get(f"{pair.base}/agreement/versions/9", headers=pair.mentee_h)).status_code == 404


async def test_diff_lists_changed_fields_and_goals_by_key(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    keep = (await client.post(f"{pair.base}/goals", headers=pair.mentor_h, json={"title": "Public speaking"})).json()
    drop = (await client.post(f"{pair.base}/goals", headers=pair.mentor_h, json={"title": "Write a blog"})).json()
    await _confirm(client, pair, pair.mentor_h)
    v1 = (await _confirm(client, pair, pair.mentee_h)).json()
    reopened = await client.post(
        f"{pair.base}/agreement/versions",
        headers=pair.mentee_h,
        json={"lock_version": v1["lock_version"], "note": "New job"},
    )
    assert reopened.status_code == 201 and reopened.json()["version"] == 2 and reopened.json()["note"] == "New job"
    again = await client.post(
        f"{pair.base}/agreement/versions",
        headers=pair.mentee_h,
        json={"lock_version": reopened.json()["lock_version"]},
    )
    assert again.status_code == 409 and "draft" in again.json()["detail"]
    await client.patch(
        f"{pair.base}/agreement",
        headers=pair.mentee_h,
        json={"lock_version": reopened.json()["lock_version"], "expectations": "Help with the new team"},
    )
    revised = await client.post(
        f"{pair.base}/goals/{keep['key']}/revisions",
        headers=pair.mentor_h,
        json={"lock_version": keep["lock_version"], "title": "Speak at a conference", "reason": "Bigger stage"},
    )
    assert revised.status_code == 201, revised.text
    added = (await client.post(f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Hire two people"})).json()
    removed = await client.delete(
        f"{pair.base}/goals/{drop['key']}?lock_version={drop['lock_version']}", headers=pair.mentee_h
    )
    assert removed.status_code == 409  # agreed goals are dropped, not deleted
    gone = await client.delete(
        f"{pair.base}/goals/{added['key']}?lock_version={added['lock_version']}", headers=pair.mentee_h
    )
    assert gone.status_code == 204
    added = (await client.post(f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Hire two people"})).json()

    diff = (await client.get(f"{pair.base}/agreement/diff?from=1&to=2", headers=pair.mentor_h)).json()
    changes = {c["field"]: (c["before"], c["after"]) for c in diff["changes"]}
    assert changes.pop("mentee_expectations") == ("", "Help with the new team")
    assert changes.pop(f"goals.{keep['key']}.title") == ("Public speaking", "Speak at a conference")
    before, after = changes.pop(f"goals.{added['key']}")
    assert before is None and after["title"] == "Hire two people"
    assert changes == {}  # the untouched goal and fields are not listed
    assert (await client.get(f"{pair.base}/agreement/diff?from=1&to=7", headers=pair.mentor_h)).status_code == 404


async def test_stale_saves_conflict_with_the_current_version(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    goal = (await client.post(f"{pair.base}/goals", headers=pair.mentor_h, json={"title": "Delegate"})).json()
    seen_by_mentee = await _agreement(client, pair, pair.mentee_h)
    seen_by_mentor = await _agreement(client, pair, pair.mentor_h)
    first = await client.patch(
        f"{pair.base}/agreement",
        headers=pair.mentor_h,
        json={"lock_version": seen_by_mentor["lock_version"], "cadence": "weekly"},
    )
    assert first.status_code == 200
    stale = await client.patch(
        f"{pair.base}/agreement",
        headers=pair.mentee_h,
        json={"lock_version": seen_by_mentee["lock_version"], "cadence": "monthly"},
    )
    assert stale.status_code == 409 and stale.json()["errors"][0]["field"] == "lock_version"
    current = first.json()
    assert (
        f"now at version {current['version']}." in stale.json()["detail"]
        and "lock_version" not in stale.json()["detail"]
    )
    assert stale.json()["errors"][0]["current"] == current["lock_version"]  # what an API client retries with
    stale_confirm = await client.post(
        f"{pair.base}/agreement/confirm", headers=pair.mentee_h, json={"lock_version": seen_by_mentee["lock_version"]}
    )
    assert stale_confirm.status_code == 409  # nobody confirms a version they have not seen
    assert (await _agreement(client, pair))["cadence"] == "weekly"

    edit = {"lock_version": goal["lock_version"], "title": "Delegate more"}
    assert (await client.patch(f"{pair.base}/goals/{goal['key']}", headers=pair.mentor_h, json=edit)).status_code == 200
    lost = await client.patch(
        f"{pair.base}/goals/{goal['key']}", headers=pair.mentee_h, json={**edit, "title": "Delegate less"}
    )
    assert lost.status_code == 409 and lost.json()["errors"][0] == {
        "field": "lock_version",
        "message": "Someone changed this goal meanwhile. Reload it and make your change again.",
        "current": 2,
    }


async def test_limits_sides_and_privacy(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    lock = (await _agreement(client, pair))["lock_version"]
    long = await client.patch(
        f"{pair.base}/agreement", headers=pair.mentor_h, json={"lock_version": lock, "expectations": "x" * 2001}
    )
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "expectations"
    style = await client.patch(
        f"{pair.base}/agreement", headers=pair.mentor_h, json={"lock_version": lock, "feedback_style": "y" * 501}
    )
    assert style.json()["errors"][0]["field"] == "feedback_style"
    months = await client.patch(
        f"{pair.base}/agreement", headers=pair.mentor_h, json={"lock_version": lock, "planned_months": 0}
    )
    assert months.status_code == 422
    other_side = await client.patch(
        f"{pair.base}/agreement", headers=pair.mentor_h, json={"lock_version": lock, "mentee_expectations": "x"}
    )
    assert other_side.status_code == 422  # each side writes only its own words
    for field, limit in (("title", 200), ("description", 2000), ("success_criteria", 1000)):
        body = {"title": "ok", field: "z" * (limit + 1)}
        bad = await client.post(f"{pair.base}/goals", headers=pair.mentor_h, json=body)
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == field
    secret = "My manager must never know"
    await client.patch(
        f"{pair.base}/agreement", headers=pair.mentee_h, json={"lock_version": lock, "expectations": secret}
    )
    await client.post(f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Change teams quietly"})

    assert (await client.get(f"{pair.base}/agreement", headers=pair.coord_h)).status_code == 403
    assert (await client.get(f"{pair.base}/goals", headers=pair.coord_h)).status_code == 403
    view = await client.get(pair.base, headers=pair.coord_h)
    assert view.json()["view"] == "coordinator"
    assert view.json()["agreement"] == {
        "cycle": 1,
        "version": 1,
        "status": "draft",
        "in_force_version": None,
        "cadence": "monthly",
        "format": "video",
        "planned_months": 12,
        "goal_count": 1,
        "confirmed_by_mentor": False,
        "confirmed_by_mentee": False,
    }
    assert secret not in view.text and "Change teams quietly" not in view.text
    listing = await client.get(pair.program_base, headers=pair.coord_h)
    assert secret not in listing.text
    pair_home = (await client.get(pair.base, headers=pair.mentor_h)).json()
    assert pair_home["view"] == "pair" and pair_home["agreement"]["mentee"]["expectations"] == secret
