"""Periodic reviews: when they are due, privacy of answers, shared comparison, coordinator aggregates."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.mentorships.reviews import STATEMENTS
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio
ALL_FOURS = dict.fromkeys(STATEMENTS, 4)


async def _submit(client: httpx.AsyncClient, pair: Pair, headers: dict[str, str], **body: object) -> httpx.Response:
    return await client.post(f"{pair.base}/reviews", headers=headers, json={"scores": ALL_FOURS, **body})


async def test_due_every_n_weeks_and_validated(client: httpx.AsyncClient, db_session: Session) -> None:
    fresh = make_pair(db_session, settings={"review_interval_weeks": 4}, started_days_ago=10)
    due = (await client.get(f"{fresh.base}/reviews/due", headers=fresh.mentee_h)).json()
    assert (due["due"], due["period"], due["interval_weeks"]) == (False, 0, 4)
    assert [s["key"] for s in due["statements"]] == list(STATEMENTS) and len(due["statements"]) == 7
    assert due["statements"][1]["text"] == "I feel heard."
    early = await _submit(client, fresh, fresh.mentee_h)
    assert early.status_code == 409 and "first review opens on" in early.json()["detail"]

    pair = make_pair(db_session, settings={"review_interval_weeks": 4}, started_days_ago=30)
    due = (await client.get(f"{pair.base}/reviews/due", headers=pair.mentee_h)).json()
    assert (due["due"], due["period"]) == (True, 1)
    missing = await client.post(f"{pair.base}/reviews", headers=pair.mentee_h, json={"scores": {"feel_heard": 3}})
    fields = {e["field"] for e in missing.json()["errors"]}
    assert missing.status_code == 422 and "scores.trust_partner" in fields and "scores.feel_heard" not in fields
    out_of_scale = await _submit(client, pair, pair.mentee_h, scores={**ALL_FOURS, "feel_heard": 6})
    assert out_of_scale.status_code == 422
    unknown = await _submit(client, pair, pair.mentee_h, scores={**ALL_FOURS, "free_lunch": 5})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "scores.free_lunch"
    long = await _submit(client, pair, pair.mentee_h, change_suggestion="c" * 2001)
    assert long.status_code == 422 and long.json()["errors"][0]["field"] == "change_suggestion"
    assert (await _submit(client, pair, pair.coord_h)).status_code == 403

    ok = await _submit(client, pair, pair.mentee_h, change_suggestion="Meet in person")
    assert ok.status_code == 200 and ok.json()["period"] == 1 and ok.json()["shared_with_partner"] is False
    again = await _submit(client, pair, pair.mentee_h, scores={**ALL_FOURS, "feel_heard": 2})
    assert again.status_code == 200  # answering again changes the round's answers
    mine = (await client.get(f"{pair.base}/reviews/mine", headers=pair.mentee_h)).json()
    assert len(mine) == 1 and mine[0]["scores"]["feel_heard"] == 2
    assert (await client.get(f"{pair.base}/reviews/due", headers=pair.mentee_h)).json()["due"] is False
    assert (await client.get(f"{pair.base}/reviews/due", headers=pair.mentor_h)).json()["due"] is True
    assert (await client.get(f"{pair.base}/reviews/due", headers=pair.coord_h)).json()["due"] is True
    home = (await client.get(pair.base, headers=pair.mentor_h)).json()
    assert home["review"]["due"] is True


async def test_privacy_comparison_and_turning_a_suggestion_into_a_change(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session, started_days_ago=12 * 7 + 1)
    private = "I am thinking of quitting"
    await _submit(client, pair, pair.mentor_h, scores={**ALL_FOURS, "trust_partner": 5}, change_suggestion=private)
    await _submit(
        client,
        pair,
        pair.mentee_h,
        scores={**ALL_FOURS, "trust_partner": 2, "feel_heard": 3},
        change_suggestion="Shorter, more frequent calls",
        shared_with_partner=True,
    )
    mentee_sees = await client.get(f"{pair.base}/reviews/partner", headers=pair.mentee_h)
    assert mentee_sees.json() == [] and private not in mentee_sees.text
    assert (await client.get(f"{pair.base}/reviews/comparison", headers=pair.mentee_h)).json()["available"] is False
    hidden = await client.post(
        f"{pair.base}/reviews/suggestion-to-agreement", headers=pair.mentee_h, json={"period": 1, "side": "mentor"}
    )
    assert hidden.status_code == 404
    mentor_sees = (await client.get(f"{pair.base}/reviews/partner", headers=pair.mentor_h)).json()
    assert mentor_sees[0]["change_suggestion"] == "Shorter, more frequent calls"

    await _submit(
        client,
        pair,
        pair.mentor_h,
        scores={**ALL_FOURS, "trust_partner": 5},
        change_suggestion="",
        shared_with_partner=True,
    )
    comparison = (await client.get(f"{pair.base}/reviews/comparison", headers=pair.mentee_h)).json()
    assert comparison["available"] is True and comparison["period"] == 1
    differs = {i["statement"]: (i["mentor"], i["mentee"], i["difference"]) for i in comparison["items"] if i["differs"]}
    assert differs == {"trust_partner": (5, 2, 3)}  # feel_heard is only one point apart
    assert comparison["suggestions"] == {"mentor": "", "mentee": "Shorter, more frequent calls"}

    changed = await client.post(
        f"{pair.base}/reviews/suggestion-to-agreement", headers=pair.mentor_h, json={"period": 1, "side": "mentee"}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["status"] == "draft"
    assert changed.json()["note"] == "From review 1 (mentee): Shorter, more frequent calls"
    empty = await client.post(
        f"{pair.base}/reviews/suggestion-to-agreement", headers=pair.mentor_h, json={"period": 1, "side": "mentor"}
    )
    assert empty.status_code == 422

    coord_view = await client.get(pair.base, headers=pair.coord_h)
    assert private not in coord_view.text and "frequent calls" not in coord_view.text
    for path in ("reviews/mine", "reviews/partner", "reviews/comparison"):
        assert (await client.get(f"{pair.base}/{path}", headers=pair.coord_h)).status_code == 403


async def test_coordinators_see_only_program_aggregates(client: httpx.AsyncClient, db_session: Session) -> None:
    first = make_pair(db_session, started_days_ago=12 * 7 + 1)
    others = [
        make_pair(db_session, started_days_ago=12 * 7 + 1, program=first.program, coordinator_headers=first.coord_h)
        for _ in range(2)
    ]
    summary_url = f"{first.program_base}/reviews/summary"
    await _submit(client, first, first.mentor_h, scores={**ALL_FOURS, "feel_heard": 5}, change_suggestion="secret")
    await _submit(client, first, first.mentee_h, scores={**ALL_FOURS, "feel_heard": 2})
    low = (await client.get(summary_url, headers=first.coord_h)).json()
    heard = next(s for s in low["statements"] if s["statement"] == "feel_heard")
    assert (heard["count"], heard["mean"], low["released_at"]) == (0, None, None)  # nothing released yet

    for pair, h in ((others[0], others[0].mentee_h), (others[0], others[0].mentor_h), (others[1], others[1].mentee_h)):
        await _submit(client, pair, h, scores={**ALL_FOURS, "feel_heard": 5})
    summary = await client.get(summary_url, headers=first.coord_h)
    heard = next(s for s in summary.json()["statements"] if s["statement"] == "feel_heard")
    assert (heard["count"], heard["mean"], summary.json()["min_count_for_mean"]) == (5, 4.4, 3)
    assert "secret" not in summary.text and "mentee" not in summary.text
    assert (await client.get(summary_url, headers=first.mentor_h)).status_code == 403
