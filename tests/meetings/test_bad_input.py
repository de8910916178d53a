"""Bad input to the meetings API: each answers a clear 422 or 409 naming the field, and writes nothing.

"Writes nothing" is checked on the database after each refusal: the rows of every meetings table, the
in-app notifications and the mail outbox are the same as before the request.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.meetings.models import (
    ActionItem,
    AgendaItem,
    CalendarFeed,
    Meeting,
    MeetingFeedback,
    MeetingSeries,
    PairMeetingSettings,
    PrivateNote,
)
from mentorloom.notifications.models import Notification, OutboxMail
from tests.meetings.helpers import confirmed_pair
from tests.mentorships.helpers import Pair

pytestmark = pytest.mark.anyio

SERIES = {
    "weekday": 1,
    "local_time": "18:00",
    "timezone": "Europe/Berlin",
    "starts_on": "2027-03-01",
    "until": "2027-04-30",
}


def snapshot(session: Session) -> dict[str, list[tuple[Any, ...]]]:
    """Every row a meetings request could write, as plain tuples."""
    session.expire_all()

    def rows(model: Any, *columns: Any) -> list[tuple[Any, ...]]:
        return [tuple(r) for r in session.execute(select(*columns).order_by(model.id if hasattr(model, "id") else 1))]

    return {
        "series": rows(
            MeetingSeries, MeetingSeries.id, MeetingSeries.until, MeetingSeries.sequence, MeetingSeries.ended_at
        ),
        "meetings": rows(
            Meeting,
            Meeting.id,
            Meeting.starts_at,
            Meeting.ends_at,
            Meeting.status,
            Meeting.sequence,
            Meeting.notes,
            Meeting.notes_version,
            Meeting.timezone,
        ),
        "agenda": rows(AgendaItem, AgendaItem.id, AgendaItem.text),
        "actions": rows(ActionItem, ActionItem.id, ActionItem.title, ActionItem.done_at),
        "private": rows(PrivateNote, PrivateNote.id, PrivateNote.text),
        "feedback": rows(MeetingFeedback, MeetingFeedback.id, MeetingFeedback.usefulness),
        "video": [
            tuple(r) for r in session.execute(select(PairMeetingSettings.mentorship_id, PairMeetingSettings.video_link))
        ],
        "feeds": [tuple(r) for r in session.execute(select(CalendarFeed.user_id, CalendarFeed.token_hash))],
        "notifications": rows(Notification, Notification.id),
        "outbox": rows(OutboxMail, OutboxMail.id),
    }


def assert_problem(response: httpx.Response, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, (response.request.content[:200], response.text)
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["detail"], body
    assert field in [e["field"] for e in body.get("errors") or []], body
    return body


async def refused(
    client: httpx.AsyncClient,
    session: Session,
    method: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    status: int,
    field: str,
) -> dict[str, Any]:
    """Send a request that must be refused naming `field`, and check that nothing changed."""
    before = snapshot(session)
    response = await client.request(method, url, headers=headers, json=body)
    problem = assert_problem(response, status, field)
    assert snapshot(session) == before, (url, body)
    return problem


async def planned(client: httpx.AsyncClient, pair: Pair, **changes: Any) -> list[dict[str, Any]]:
    answer = await client.post(f"{pair.base}/meetings/series", headers=pair.mentor_h, json={**SERIES, **changes})
    assert answer.status_code == 201, answer.text
    meetings = await client.get(f"{pair.base}/meetings?when=all", headers=pair.mentor_h)
    return list(meetings.json())


async def held_meeting(client: httpx.AsyncClient, pair: Pair, outcome: str = "held") -> dict[str, Any]:
    """A meeting two days ago that the mentor says took place (or not)."""
    start = (utcnow() - timedelta(days=2)).replace(microsecond=0, tzinfo=None)
    added = await client.post(
        f"{pair.base}/meetings",
        headers=pair.mentor_h,
        json={"starts_at": start.isoformat(timespec="minutes"), "timezone": "UTC"},
    )
    assert added.status_code == 201, added.text
    meeting = added.json()
    said = await client.post(
        f"{pair.base}/meetings/{meeting['id']}/outcome", headers=pair.mentee_h, json={"outcome": outcome}
    )
    assert said.status_code == 200, said.text
    return dict(said.json())


# --- the series ---------------------------------------------------------------------------------------


SERIES_CASES: list[tuple[dict[str, Any], str]] = [
    ({"until": "2027-02-28"}, "until"),  # before the first day
    ({"timezone": "Europe/Atlantis"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"timezone": "America"}, "timezone"),  # a directory of the zone database, not a zone
    ({"starts_on": "2024-03-01"}, "starts_on"),  # before the mentorship began
    ({"until": "2031-01-01"}, "until"),  # after its planned end
    ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule"),
    ({"rrule": "not a rule"}, "rrule"),
    ({"rrule": "FREQ=WEEKLY;INTERVAL=0"}, "rrule"),
    ({"rrule": "FREQ=DAILY"}, "rrule"),  # parses, but a series is weekly or monthly
    ({"rrule": "FREQ=YEARLY;BYMONTH=3"}, "rrule"),
    ({"rrule": "FREQ=HOURLY;INTERVAL=200"}, "rrule"),
    ({"rrule": "DTSTART:20270301T000000\nRRULE:FREQ=WEEKLY"}, "rrule"),
    ({"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=5"}, "rrule"),  # the series' own dates say when it ends
    ({"rrule": "FREQ=WEEKLY;BYDAY=TU;UNTIL=20270401T000000Z"}, "rrule"),
    ({"local_time": "25:00"}, "local_time"),
    ({"local_time": "24:00"}, "local_time"),
    ({"local_time": "18:60"}, "local_time"),
    ({"local_time": "18:00+01:00"}, "local_time"),
    ({"weekday": 7}, "weekday"),
    ({"weekday": 2**31}, "weekday"),
    ({"duration_minutes": 2**31}, "duration_minutes"),
    ({"week_of_month": 2**31}, "week_of_month"),
    ({"day_of_month": 32}, "day_of_month"),
    ({"location": "Café\x00"}, "location"),
    ({"timezone": "Europe/Berlin\x00"}, "timezone"),
    ({"rrule": "FREQ=WEEKLY\x00"}, "rrule"),
    ({"starts_on": "2027-02-30"}, "starts_on"),
    ({"cadence": "daily"}, "cadence"),
]


async def test_a_bad_series_is_refused_naming_the_field(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    for changes, field in SERIES_CASES:
        body = {**SERIES, **changes}
        await refused(client, db_session, "POST", f"{pair.base}/meetings/series", pair.mentor_h, body, 422, field)


async def test_a_bad_replan_leaves_the_running_series_untouched(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    await planned(client, pair)
    # the new series is refused after the old one would have been ended: the whole request rolls back
    for changes, field in (({"until": "2031-01-01"}, "until"), ({"rrule": "FREQ=DAILY"}, "rrule")):
        await refused(
            client,
            db_session,
            "POST",
            f"{pair.base}/meetings/series",
            pair.mentor_h,
            {**SERIES, "starts_on": "2027-04-01", **changes},
            422,
            field,
        )
    current = (await client.get(f"{pair.base}/meetings/series", headers=pair.mentee_h)).json()
    assert current["sequence"] == 0 and current["until"] == "2027-04-30" and current["meetings"] == 9


async def test_no_meeting_between_the_days_is_refused(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    # a Tuesday series from a Wednesday to the next Monday holds no meeting
    body = {**SERIES, "starts_on": "2027-03-03", "until": "2027-03-08"}
    await refused(client, db_session, "POST", f"{pair.base}/meetings/series", pair.mentor_h, body, 422, "until")


# --- single meetings ----------------------------------------------------------------------------------


SINGLE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"starts_at": "2024-03-02T18:30", "timezone": "Europe/Berlin"}, "starts_at"),  # before the mentorship
    ({"starts_at": "2030-03-02T18:30", "timezone": "Europe/Berlin"}, "starts_at"),  # after its planned end
    ({"starts_at": "2027-03-02T25:00", "timezone": "Europe/Berlin"}, "starts_at"),
    ({"starts_at": "2027-03-02T18:30+01:00", "timezone": "Europe/Berlin"}, "starts_at"),
    ({"starts_at": "2027-03-02T18:30Z", "timezone": "Europe/Berlin"}, "starts_at"),
    ({"starts_at": "next tuesday", "timezone": "Europe/Berlin"}, "starts_at"),
    ({"starts_at": "2027-03-02T18:30", "timezone": "Mars/Olympus_Mons"}, "timezone"),
    ({"starts_at": "2027-03-02T18:30", "timezone": "Europe/Berlin", "duration_minutes": 2**31}, "duration_minutes"),
    ({"starts_at": "2027-03-02T18:30", "timezone": "Europe/Berlin", "duration_minutes": 5}, "duration_minutes"),
    ({"starts_at": "2027-03-02T18:30", "timezone": "Europe/Berlin", "location": "x\x00"}, "location"),
    ({"starts_at": "2027-03-02T18:30", "timezone": "Europe/Berlin", "format": "carrier pigeon"}, "format"),
]


async def test_a_bad_single_meeting_is_refused_naming_the_field(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    for body, field in SINGLE_CASES:
        await refused(client, db_session, "POST", f"{pair.base}/meetings", pair.mentee_h, body, 422, field)


MOVE_CASES: list[tuple[dict[str, Any], str]] = [
    ({"starts_at": "2024-03-17T19:00"}, "starts_at"),
    ({"starts_at": "2027-03-17T25:00"}, "starts_at"),
    ({"starts_at": "2027-03-17T19:00-05:00"}, "starts_at"),
    ({"starts_at": "2027-03-17T19:00", "timezone": "Nowhere/City"}, "timezone"),
    ({"starts_at": "2027-03-17T19:00", "duration_minutes": 2**31}, "duration_minutes"),
    ({"starts_at": "2027-03-17T19:00", "unknown": 1}, "unknown"),
]


async def test_a_bad_move_changes_nothing(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    meeting = (await planned(client, pair))[2]
    url = f"{pair.base}/meetings/{meeting['id']}/move"
    for body, field in MOVE_CASES:
        await refused(client, db_session, "POST", url, pair.mentee_h, body, 422, field)


async def test_a_cancelled_meeting_is_neither_moved_nor_cancelled_again(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session)
    meeting = (await planned(client, pair))[1]
    base = f"{pair.base}/meetings/{meeting['id']}"
    assert (await client.post(f"{base}/cancel", headers=pair.mentor_h)).status_code == 200
    for method, url, body in (
        ("POST", f"{base}/cancel", None),
        ("POST", f"{base}/move", {"starts_at": "2027-03-17T19:00"}),
        ("POST", f"{base}/agenda", {"text": "Anything"}),
    ):
        before = snapshot(db_session)
        answer = await client.request(method, url, headers=pair.mentee_h, json=body)
        assert answer.status_code == 409, answer.text
        assert snapshot(db_session) == before


# --- in the meeting -----------------------------------------------------------------------------------


IN_MEETING_CASES: list[tuple[str, str, dict[str, Any], str]] = [
    ("agenda", "POST", {"text": "x" * 50_000}, "text"),
    ("agenda", "POST", {"text": "   "}, "text"),
    ("agenda", "POST", {"text": "Talk\x00"}, "text"),
    ("notes", "PUT", {"notes": "n\x00", "notes_version": 0}, "notes"),
    ("notes", "PUT", {"notes": "n" * 20_001, "notes_version": 0}, "notes"),
    ("notes", "PUT", {"notes": "n", "notes_version": 2**31}, "notes_version"),
    ("notes", "PUT", {"notes": "n", "notes_version": -1}, "notes_version"),
    ("private-note", "PUT", {"text": "secret\x00"}, "text"),
    ("action-items", "POST", {"title": "Do\x00", "owner": "mentee"}, "title"),
    ("action-items", "POST", {"title": "Do", "owner": "coordinator"}, "owner"),
    ("action-items", "POST", {"title": "Do", "owner": "mentee", "due_on": "2027-13-01"}, "due_on"),
]


async def test_bad_text_in_a_meeting_is_refused_naming_the_field(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session)
    meeting = (await planned(client, pair))[0]
    for path, method, body, field in IN_MEETING_CASES:
        url = f"{pair.base}/meetings/{meeting['id']}/{path}"
        await refused(client, db_session, method, url, pair.mentee_h, body, 422, field)


async def test_a_stale_notes_save_answers_409_with_the_current_notes(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session)
    meeting = (await planned(client, pair))[0]
    url = f"{pair.base}/meetings/{meeting['id']}/notes"
    first = await client.put(url, headers=pair.mentor_h, json={"notes": "# Plan\n- talk", "notes_version": 0})
    assert first.status_code == 200 and first.json()["notes_version"] == 1
    problem = await refused(
        client,
        db_session,
        "PUT",
        url,
        pair.mentee_h,
        {"notes": "my older edit", "notes_version": 0},
        409,
        "notes_version",
    )
    (error,) = [e for e in problem["errors"] if e["field"] == "notes_version"]
    assert error["current"] == 1 and error["notes"] == "# Plan\n- talk"
    # a version from the future is stale too, not a free pass
    await refused(
        client, db_session, "PUT", url, pair.mentee_h, {"notes": "x", "notes_version": 7}, 409, "notes_version"
    )
    again = await client.put(url, headers=pair.mentee_h, json={"notes": "merged", "notes_version": 1})
    assert again.status_code == 200 and again.json()["notes_version"] == 2


FEEDBACK_CASES: list[tuple[dict[str, Any], str]] = [
    ({"usefulness": 0}, "usefulness"),
    ({"usefulness": 6}, "usefulness"),
    ({"usefulness": 2**31}, "usefulness"),
    ({"usefulness": -(2**31) - 1}, "usefulness"),
    ({"usefulness": 4, "went_well": "ok\x00"}, "went_well"),
    ({"usefulness": 4, "to_change": "c" * 2001}, "to_change"),
    ({"usefulness": 4, "visibility": "everyone"}, "visibility"),
]


async def test_bad_feedback_is_refused_naming_the_field(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=30)
    meeting = await held_meeting(client, pair)
    url = f"{pair.base}/meetings/{meeting['id']}/feedback"
    for body, field in FEEDBACK_CASES:
        await refused(client, db_session, "PUT", url, pair.mentee_h, body, 422, field)


async def test_feedback_before_the_meeting_was_held_is_a_conflict(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=30)
    upcoming = (await planned(client, pair))[0]
    missed = await held_meeting(client, pair, outcome="missed")
    for meeting in (upcoming, missed):
        before = snapshot(db_session)
        answer = await client.put(
            f"{pair.base}/meetings/{meeting['id']}/feedback", headers=pair.mentor_h, json={"usefulness": 4}
        )
        assert answer.status_code == 409, answer.text
        assert answer.json()["detail"]
        assert snapshot(db_session) == before


async def test_an_outcome_before_the_meeting_began_is_a_conflict(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session)
    meeting = (await planned(client, pair))[0]
    before = snapshot(db_session)
    answer = await client.post(
        f"{pair.base}/meetings/{meeting['id']}/outcome", headers=pair.mentor_h, json={"outcome": "held"}
    )
    assert answer.status_code == 409 and snapshot(db_session) == before


async def test_huge_ids_in_the_path_are_refused_before_the_database(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session)
    for url in (
        f"{pair.base}/meetings/{2**31}",
        f"{pair.base}/meetings/{2**63}",
        f"/api/v1/programs/{pair.program.id}/mentorships/{2**31}/meetings",
    ):
        answer = await client.get(url, headers=pair.mentor_h)
        assert answer.status_code == 422, (url, answer.text)


async def test_a_video_link_that_is_no_web_address_is_refused(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    for link, field in (("javascript:alert(1)", "video_link"), ("https://x\x00", "video_link")):
        await refused(
            client, db_session, "PUT", f"{pair.base}/meetings-video", pair.mentor_h, {"video_link": link}, 422, field
        )
