"""The series: monthly by weekday and by date, biweekly, a rule of one's own, replanning, and the agreement's
cadence changing under a running series."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.meetings import recurrence, series
from mentorloom.meetings.models import Meeting, MeetingSeries, MeetingStatus
from mentorloom.programs.models import Cadence
from tests.meetings.helpers import confirmed_pair
from tests.meetings.test_feed_property import assert_feed_matches, assert_rules_expand_to_rows, ready_pair
from tests.mentorships.helpers import Pair

pytestmark = pytest.mark.anyio
BERLIN = ZoneInfo("Europe/Berlin")


async def plan(client: httpx.AsyncClient, pair: Pair, **body: Any) -> dict[str, Any]:
    answer = await client.post(
        f"{pair.base}/meetings/series",
        headers=pair.mentor_h,
        json={"local_time": "18:00", "timezone": "Europe/Berlin", **body},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def all_meetings(client: httpx.AsyncClient, pair: Pair) -> list[dict[str, Any]]:
    answer = await client.get(f"{pair.base}/meetings?when=all&limit=400", headers=pair.mentee_h)
    assert answer.status_code == 200, answer.text
    return list(answer.json())


def local_days(meetings: list[dict[str, Any]], zone: ZoneInfo = BERLIN) -> list[date]:
    return [datetime.fromisoformat(m["starts_at"]).astimezone(zone).date() for m in meetings]


def local_times(meetings: list[dict[str, Any]], zone: ZoneInfo = BERLIN) -> set[time]:
    return {datetime.fromisoformat(m["starts_at"]).astimezone(zone).time() for m in meetings}


async def test_monthly_on_the_first_tuesday(client: httpx.AsyncClient, db_session: Session, settings: Settings) -> None:
    pair = await confirmed_pair(client, db_session, cadence="monthly")
    made = await plan(
        client, pair, weekday=1, monthly_by="weekday", week_of_month=1, starts_on="2027-01-01", until="2027-12-31"
    )
    assert made["rrule"] == "FREQ=MONTHLY;BYDAY=+1TU" and made["cadence"] == "monthly" and made["meetings"] == 12
    meetings = await all_meetings(client, pair)
    assert local_days(meetings) == [
        date(2027, 1, 5),
        date(2027, 2, 2),
        date(2027, 3, 2),
        date(2027, 4, 6),
        date(2027, 5, 4),
        date(2027, 6, 1),
        date(2027, 7, 6),
        date(2027, 8, 3),
        date(2027, 9, 7),
        date(2027, 10, 5),
        date(2027, 11, 2),
        date(2027, 12, 7),
    ]
    assert local_times(meetings) == {time(18)}  # summer and winter alike
    # each person sees it in their own zone: the mentee here lives in Berlin, so 18:00 with the day's offset
    assert {m["local_start"][11:16] for m in meetings} == {"18:00"}
    assert_feed_matches(db_session, settings, pair)


async def test_monthly_on_the_last_friday(client: httpx.AsyncClient, db_session: Session, settings: Settings) -> None:
    pair = await confirmed_pair(client, db_session, cadence="monthly")
    made = await plan(
        client, pair, weekday=4, monthly_by="weekday", week_of_month=-1, starts_on="2027-01-01", until="2027-06-30"
    )
    assert made["rrule"] == "FREQ=MONTHLY;BYDAY=-1FR"
    assert local_days(await all_meetings(client, pair)) == [
        date(2027, 1, 29),
        date(2027, 2, 26),
        date(2027, 3, 26),
        date(2027, 4, 30),
        date(2027, 5, 28),
        date(2027, 6, 25),
    ]
    assert_feed_matches(db_session, settings, pair)


async def test_monthly_on_the_31st_skips_shorter_months(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    pair = await confirmed_pair(client, db_session, cadence="monthly")
    made = await plan(
        client, pair, weekday=0, monthly_by="date", day_of_month=31, starts_on="2027-01-01", until="2027-12-31"
    )
    assert made["rrule"] == "FREQ=MONTHLY;BYMONTHDAY=31"
    assert local_days(await all_meetings(client, pair)) == [
        date(2027, 1, 31),
        date(2027, 3, 31),
        date(2027, 5, 31),
        date(2027, 7, 31),
        date(2027, 8, 31),
        date(2027, 10, 31),  # the night Berlin falls back: still 18:00
        date(2027, 12, 31),
    ]
    assert local_times(await all_meetings(client, pair)) == {time(18)}
    assert_feed_matches(db_session, settings, pair)


async def test_biweekly_follows_the_agreement(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    pair = await confirmed_pair(client, db_session, cadence="biweekly")
    made = await plan(client, pair, weekday=3, starts_on="2027-03-01", until="2027-05-31")  # cadence from the agreement
    assert made["rrule"] == "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH" and made["cadence"] == "biweekly"
    days = local_days(await all_meetings(client, pair))
    assert days[0] == date(2027, 3, 4) and days[-1] == date(2027, 5, 27)
    assert {(b - a).days for a, b in pairwise(days)} == {14}
    assert len(days) == 7
    assert_feed_matches(db_session, settings, pair)


@pytest.mark.parametrize("rule", ["RRULE:FREQ=WEEKLY;BYDAY=WE", "freq=weekly;byday=we", "FREQ=WEEKLY;BYDAY=WE;WKST=MO"])
async def test_a_rule_of_ones_own_is_stored_as_calendars_read_it(
    client: httpx.AsyncClient, db_session: Session, settings: Settings, rule: str
) -> None:
    pair = await confirmed_pair(client, db_session)
    made = await plan(client, pair, weekday=0, starts_on="2027-03-01", until="2027-03-31", rrule=rule)
    assert made["rrule"].startswith("FREQ=WEEKLY") and made["rrule"] == made["rrule"].upper()
    assert local_days(await all_meetings(client, pair)) == [date(2027, 3, d) for d in (3, 10, 17, 24, 31)]
    assert_feed_matches(db_session, settings, pair)


async def test_replanning_ends_the_old_series_and_keeps_what_the_pair_wrote(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    pair = await confirmed_pair(client, db_session)
    old = await plan(client, pair, weekday=1, starts_on="2027-03-01", until="2027-06-30")
    meetings = await all_meetings(client, pair)
    by_day = dict(zip(local_days(meetings), meetings, strict=True))
    assert len(by_day) == 18

    async def do(method: str, path: str, body: Any = None) -> None:
        answer = await client.request(method, f"{pair.base}/meetings/{path}", headers=pair.mentee_h, json=body)
        assert answer.status_code < 300, answer.text

    # before the cut (the new series starts on Thursday 15 April): a moved one stays in the old series
    await do("POST", f"{by_day[date(2027, 4, 6)]['id']}/move", {"starts_at": "2027-04-07T18:00"})
    # after the cut: an agenda, notes, a private note, a cancellation, a move; the rest is untouched
    await do("POST", f"{by_day[date(2027, 4, 20)]['id']}/agenda", {"text": "Salary talk"})
    await do("PUT", f"{by_day[date(2027, 5, 4)]['id']}/notes", {"notes": "Prepare slides", "notes_version": 0})
    await do("PUT", f"{by_day[date(2027, 5, 18)]['id']}/private-note", {"text": "Ask about the promotion"})
    await do("POST", f"{by_day[date(2027, 6, 1)]['id']}/cancel")
    await do("POST", f"{by_day[date(2027, 6, 8)]['id']}/move", {"starts_at": "2027-06-09T18:00"})

    new = await plan(client, pair, weekday=3, starts_on="2027-04-15", until="2027-06-30")
    assert new["uid"] != old["uid"] and new["starts_on"] == "2027-04-15"

    db_session.expire_all()
    ended = db_session.get(MeetingSeries, old["id"])
    assert ended is not None and ended.ended_at is not None and ended.sequence == 1
    # the old rule now ends with its last meeting kept, 13 April, and expands to exactly its rows
    assert ended.until == date(2027, 4, 13)
    kept = series.occurrences_of(db_session, ended)
    assert [m.original_start.astimezone(BERLIN).date() for m in kept if m.original_start] == [
        date(2027, 3, d) for d in (2, 9, 16, 23, 30)
    ] + [date(2027, 4, 6), date(2027, 4, 13)]
    assert_rules_expand_to_rows(db_session, pair)

    def row(day: date) -> Meeting | None:
        return db_session.get(Meeting, by_day[day]["id"])

    for day, kept_as_single in (
        (date(2027, 4, 20), True),  # agenda
        (date(2027, 5, 4), True),  # shared notes
        (date(2027, 5, 18), True),  # a private note is the pair's writing too
        (date(2027, 6, 1), True),  # cancelled: stays cancelled, outside the rule
        (date(2027, 4, 27), False),
        (date(2027, 6, 8), False),  # moved, but nothing written: the new series takes its place
        (date(2027, 6, 29), False),
    ):
        meeting = row(day)
        if not kept_as_single:  # gone (SQLite may give its id to a meeting of the new series)
            assert meeting is None or meeting.series_id == new["id"], day
            continue
        assert meeting is not None, day
        assert meeting.series_id is None and meeting.original_start is None and meeting.uid != old["uid"], day
        assert meeting.sequence >= 1, day
    assert row(date(2027, 6, 1)).status is MeetingStatus.CANCELLED  # type: ignore[union-attr]

    listed = local_days(await all_meetings(client, pair))
    assert date(2027, 4, 20) in listed and date(2027, 4, 15) in listed and date(2027, 4, 27) not in listed
    assert_feed_matches(db_session, settings, pair)


async def test_replanning_before_the_first_meeting_leaves_nothing_of_the_old_series(
    client: httpx.AsyncClient, db_session: Session, settings: Settings
) -> None:
    pair = await confirmed_pair(client, db_session)
    old = await plan(client, pair, weekday=1, starts_on="2027-03-01", until="2027-04-30")
    await plan(client, pair, weekday=4, starts_on="2027-02-01", until="2027-04-30")
    db_session.expire_all()
    assert series.occurrences_of(db_session, db_session.get_one(MeetingSeries, old["id"])) == []
    assert set(local_days(await all_meetings(client, pair), BERLIN)) == {
        d for d in local_days(await all_meetings(client, pair)) if d.weekday() == 4
    }
    assert_feed_matches(db_session, settings, pair)


async def test_a_new_agreement_with_another_cadence_offers_to_replan(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = await confirmed_pair(client, db_session, cadence="weekly")
    await plan(client, pair, weekday=1, starts_on="2027-03-01", until="2027-06-30")
    current = (await client.get(f"{pair.base}/meetings/series", headers=pair.mentee_h)).json()
    assert current["cadence"] == current["agreement_cadence"] == "weekly"
    assert series.cadence_changed(db_session, pair.mentorship) is None

    lock = (await client.get(f"{pair.base}/agreement", headers=pair.mentor_h)).json()["lock_version"]
    changed = await client.patch(
        f"{pair.base}/agreement", headers=pair.mentor_h, json={"lock_version": lock, "cadence": "monthly"}
    )
    assert changed.status_code == 200, changed.text
    db_session.expire_all()
    assert series.cadence_changed(db_session, pair.mentorship) is None  # a draft is not agreed yet
    for headers in (pair.mentor_h, pair.mentee_h):
        lock = (await client.get(f"{pair.base}/agreement", headers=headers)).json()["lock_version"]
        confirmed = await client.post(f"{pair.base}/agreement/confirm", headers=headers, json={"lock_version": lock})
        assert confirmed.status_code == 200, confirmed.text

    db_session.expire_all()
    offered = series.cadence_changed(db_session, pair.mentorship)
    assert offered is not None and offered.cadence is Cadence.MONTHLY and offered.version == 2
    current = (await client.get(f"{pair.base}/meetings/series", headers=pair.mentee_h)).json()
    assert (current["cadence"], current["agreement_cadence"]) == ("weekly", "monthly")
    # the running series is not changed behind the pair's back
    assert current["meetings"] == 18

    replanned = await plan(client, pair, weekday=1, monthly_by="weekday", week_of_month=1, starts_on="2027-04-01")
    assert replanned["cadence"] == "monthly" and replanned["agreement_cadence"] == "monthly"
    db_session.expire_all()
    assert series.cadence_changed(db_session, pair.mentorship) is None


def test_a_plan_made_as_of_an_earlier_day_keeps_the_meetings_since_then(db_session: Session) -> None:
    """`now` is honoured (the demo plans a year that has mostly passed): the series starts at that day."""
    savepoint = db_session.begin_nested()
    try:
        pair, seat = ready_pair(db_session)
        pair.mentorship.cycle_started_at = datetime.now(UTC) - timedelta(days=120)
        db_session.flush()
        start = (datetime.now(UTC) - timedelta(days=100)).date()
        monthly = recurrence.Plan(
            Cadence.MONTHLY, 0, time(18), "Europe/Berlin", start, start + timedelta(days=300), "date", 1, start.day
        )
        then = datetime.combine(start, time(), tzinfo=UTC)
        made, _replaced = series.plan(db_session, seat, monthly, series.Details(), seat.user, now=then)
        rows = series.occurrences_of(db_session, made)
        assert rows[0].starts_at < datetime.now(UTC)  # the past meetings are there to be recorded
        assert len(rows) == len(recurrence.plan_occurrences(monthly))
        assert db_session.scalars(select(Meeting).where(Meeting.series_id == made.id)).all()
    finally:
        savepoint.rollback()
        db_session.expunge_all()
