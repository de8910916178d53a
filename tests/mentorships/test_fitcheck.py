"""The fit check: due after two weeks or when opened; private answers; one "no" ends without blame."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.matching.inputs import engaged_mentees
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


async def test_due_after_two_weeks_or_when_opened_and_passed_by_two_yes(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=3)
    url = f"{pair.base}/fit-check"
    assert (await client.get(url, headers=pair.mentor_h)).json() == {
        "due": False,
        "opened": False,
        "my_answer": None,
        "passed": False,
    }
    opened = (await client.post(f"{url}/open", headers=pair.mentee_h)).json()
    assert opened["due"] is True and opened["opened"] is True
    assert (await client.get(url, headers=pair.mentor_h)).json()["due"] is True
    assert (await client.post(url, headers=pair.mentor_h, json={"fits": True})).json()["my_answer"] is True
    mentee_view = (await client.get(url, headers=pair.mentee_h)).json()
    assert mentee_view["my_answer"] is None and mentee_view["passed"] is False  # never the partner's answer
    assert (await client.post(url, headers=pair.mentor_h, json={"fits": False})).status_code == 409
    passed = (await client.post(url, headers=pair.mentee_h, json={"fits": True})).json()
    assert passed == {"due": False, "opened": True, "my_answer": True, "passed": True}
    assert (await client.get(url, headers=pair.coord_h)).status_code == 403

    later = make_pair(db_session, started_days_ago=15)
    assert (await client.get(f"{later.base}/fit-check", headers=later.mentee_h)).json()["due"] is True
    assert (await client.get(later.base, headers=later.mentor_h)).json()["fit_check"]["due"] is True


async def test_one_no_ends_without_blame_and_rematches_the_mentee_first(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=20)
    answer = await client.post(f"{pair.base}/fit-check", headers=pair.mentor_h, json={"fits": False})
    assert answer.status_code == 200 and answer.json()["my_answer"] is False

    home = (await client.get(pair.base, headers=pair.mentee_h)).json()
    assert home["mentorship"]["status"] == "ended_early"
    assert home["mentorship"]["closure_reason"] == "mismatch"
    assert home["mentorship"]["rematch_requested"] and home["mentorship"]["rematch_priority"]
    assert home["notice"] == "This mentorship has ended. The program will find a new match."
    assert home["fit_check"]["my_answer"] is None and home["fit_check"]["due"] is False
    assert all(a["by"] is None for a in home["activity"] if a["kind"] == "transition")
    for headers in (pair.mentee_h, pair.coord_h):
        history = (await client.get(f"{pair.base}/transitions", headers=headers)).json()
        assert [(t["to_status"], t["by"], t["closure_reason"]) for t in history] == [("ended_early", None, "mismatch")]
    # The pair's own words about the ending: they wrote none, so none are shown to them.
    assert [t["reason"] for t in (await client.get(f"{pair.base}/transitions", headers=pair.mentee_h)).json()] == [""]
    coord_view = await client.get(pair.base, headers=pair.coord_h)
    assert "Mentor Marta" not in str(coord_view.json()["transitions"])
    too_late = await client.post(f"{pair.base}/fit-check", headers=pair.mentee_h, json={"fits": True})
    assert too_late.status_code == 409
    db_session.expire_all()
    assert pair.mentee.id not in engaged_mentees(db_session, pair.program.id)
