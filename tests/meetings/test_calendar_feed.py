"""The calendar the pair's meetings become: read by two independent parsers, which must agree with each other
and with the plan, across a daylight-saving change, with one occurrence moved and one cancelled."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import icalendar
import pytest
import recurring_ical_events
import vobject
from sqlalchemy.orm import Session

from tests.meetings.helpers import confirmed_pair

pytestmark = pytest.mark.anyio

WINDOW = (datetime(2027, 1, 1, tzinfo=UTC), datetime(2027, 12, 31, tzinfo=UTC))


def with_icalendar(text: bytes) -> list[datetime]:
    calendar = icalendar.Calendar.from_ical(text)
    events = recurring_ical_events.of(calendar).between(*WINDOW)
    return sorted(e["DTSTART"].dt.astimezone(UTC) for e in events)


def with_vobject(text: bytes) -> list[datetime]:
    """vobject expands a rule with its EXDATEs; overriding VEVENTs (RECURRENCE-ID) are applied here."""
    calendar = vobject.readOne(text.decode())
    starts: set[datetime] = set()
    overridden: set[datetime] = set()
    for event in calendar.vevent_list:
        if hasattr(event, "recurrence_id"):
            overridden.add(event.recurrence_id.value.astimezone(UTC))
            starts.add(event.dtstart.value.astimezone(UTC))
        elif hasattr(event, "rrule"):
            starts.update(s.astimezone(UTC) for s in event.getrruleset(addRDate=True))
        else:
            starts.add(event.dtstart.value.astimezone(UTC))
    return sorted(starts - overridden)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_series_across_dst_with_a_moved_and_a_cancelled_meeting(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session, cadence="weekly")
    planned = await client.post(
        f"{pair.base}/meetings/series",
        headers=pair.mentor_h,
        json={
            "weekday": 1,
            "local_time": "18:00",
            "timezone": "Europe/Berlin",
            "starts_on": "2027-03-01",
            "until": "2027-04-30",
        },
    )
    assert planned.status_code == 201, planned.text
    assert planned.json()["rrule"] == "FREQ=WEEKLY;INTERVAL=1;BYDAY=TU"
    meetings = (await client.get(f"{pair.base}/meetings?when=all", headers=pair.mentee_h)).json()
    assert len(meetings) == 9
    by_day = {m["starts_at"][:10]: m for m in meetings}
    # 18:00 in Berlin is 17:00 UTC before the change on 28 March and 16:00 UTC after it
    assert by_day["2027-03-23"]["starts_at"].startswith("2027-03-23T17:00")
    assert by_day["2027-03-30"]["starts_at"].startswith("2027-03-30T16:00")

    moved = await client.post(
        f"{pair.base}/meetings/{by_day['2027-03-16']['id']}/move",
        headers=pair.mentee_h,
        json={"starts_at": "2027-03-17T19:00"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["moved"] is True and moved.json()["sequence"] == 1
    cancelled = await client.post(f"{pair.base}/meetings/{by_day['2027-03-23']['id']}/cancel", headers=pair.mentor_h)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    made = await client.post("/api/v1/account/calendar-feed", headers=pair.mentee_h)
    assert made.status_code == 201
    path = made.json()["url"].split("://", 1)[1].split("/", 1)[1]
    answer = await client.get(f"/{path}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/calendar")

    expected = [
        utc(2027, 3, 2, 17),
        utc(2027, 3, 9, 17),
        utc(2027, 3, 17, 18),  # moved from the 16th, 19:00 Berlin
        utc(2027, 3, 30, 16),  # the 23rd was cancelled
        utc(2027, 4, 6, 16),
        utc(2027, 4, 13, 16),
        utc(2027, 4, 20, 16),
        utc(2027, 4, 27, 16),
    ]
    assert with_icalendar(answer.content) == expected
    assert with_vobject(answer.content) == expected


async def test_feed_token_is_secret_revocable_and_rotatable(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    first = (await client.post("/api/v1/account/calendar-feed", headers=pair.mentor_h)).json()["url"]
    second = (await client.post("/api/v1/account/calendar-feed", headers=pair.mentor_h)).json()["url"]
    assert first != second
    old_path, new_path = ("/" + u.split("://", 1)[1].split("/", 1)[1] for u in (first, second))
    assert (await client.get(old_path)).status_code == 404  # rotating stops the old address at once
    assert (await client.get(new_path)).status_code == 200
    status = (await client.get("/api/v1/account/calendar-feed", headers=pair.mentor_h)).json()
    assert status["active"] is True and status["url"] is None  # never shown again
    assert (await client.delete("/api/v1/account/calendar-feed", headers=pair.mentor_h)).status_code == 204
    assert (await client.get(new_path)).status_code == 404
    assert (await client.get("/ical/not-a-token.ics")).status_code == 404
