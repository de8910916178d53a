"""A mentorship that ends meets no more: its series ends, later meetings leave both calendars."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.meetings.models import Meeting, MeetingSeries
from mentorloom.notifications.models import OutboxMail
from tests.meetings.helpers import confirmed_pair

pytestmark = pytest.mark.anyio


async def test_ending_early_ends_the_series_and_cancels_it_in_calendars(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session, cadence="monthly")
    planned = await client.post(
        f"{pair.base}/meetings/series",
        headers=pair.mentor_h,
        json={"weekday": 1, "local_time": "18:00", "timezone": "Europe/Berlin", "starts_on": "2027-01-01"},
    )
    assert planned.status_code == 201, planned.text
    series_id = planned.json()["id"]
    agenda_on = (await client.get(f"{pair.base}/meetings", headers=pair.mentee_h)).json()[1]["id"]
    added = await client.post(
        f"{pair.base}/meetings/{agenda_on}/agenda", headers=pair.mentee_h, json={"text": "My promotion"}
    )
    assert added.status_code == 201

    ended = await client.post(
        f"{pair.base}/end-early", headers=pair.mentee_h, json={"closure_reason": "lack_of_time", "rematch": False}
    )
    assert ended.status_code == 200, ended.text

    db_session.expire_all()
    assert db_session.get(MeetingSeries, series_id).ended_at is not None  # type: ignore[union-attr]
    left = list(db_session.scalars(select(Meeting).where(Meeting.mentorship_id == pair.mentorship.id)))
    assert [m.id for m in left] == [agenda_on]  # what the pair wrote stays, as a single meeting
    assert left[0].series_id is None and left[0].status == "cancelled"
    assert left[0].agenda[0].text == "My promotion"
    cancels = list(db_session.scalars(select(OutboxMail).where(OutboxMail.key.like(f"%series-cancel:{series_id}:%"))))
    assert len(cancels) == 2
    assert all("METHOD:CANCEL" in str(m.context) for m in cancels)
