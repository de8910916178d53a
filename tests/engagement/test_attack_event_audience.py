"""A program-wide event that a coordinator narrows to the people invited one by one: whoever had answered was
invited then. They used to lose the right to answer (404), so a person with a seat could not give it back and the
first person waiting never got it; now they stay invited."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.engagement.test_events_support import event_body, two_pairs

pytestmark = pytest.mark.anyio


async def test_who_answered_may_still_answer_after_the_audience_narrows(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    p = two_pairs(db_session)
    made = await client.post(p.events, headers=p.coord_h, json=event_body(audience="program", capacity=1))
    assert made.status_code == 201, made.text
    url = f"{p.events}/{made.json()['id']}"
    seated = await client.put(f"{url}/rsvp", headers=p.first.mentee_h, json={"answer": "yes"})
    assert seated.json()["seated"] is True, seated.text
    waiting = await client.put(f"{url}/rsvp", headers=p.second.mentee_h, json={"answer": "yes"})
    assert waiting.json()["waiting_position"] == 1, waiting.text
    narrowed = await client.put(url, headers=p.coord_h, json=event_body(audience="invited", capacity=1))
    assert narrowed.status_code == 200, narrowed.text
    # the seated person gives the seat back; the first person waiting gets it
    freed = await client.put(f"{url}/rsvp", headers=p.first.mentee_h, json={"answer": "no"})
    assert freed.status_code == 200, freed.text
    mine = (await client.get(url, headers=p.second.mentee_h)).json()["my_rsvp"]
    assert mine["seated"] is True and mine["waiting_position"] is None
    # who never answered is not invited any more: the event is not theirs
    assert (await client.get(url, headers=p.second.mentor_h)).status_code == 404
    assert (await client.put(f"{url}/rsvp", headers=p.second.mentor_h, json={"answer": "yes"})).status_code == 404
