"""Coordinators' meeting feedback figures: closed months only, means from five answers, private never counted,
and a closed month never moves (an answer can be changed only in the month it was given)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.meetings import figures
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.mentorships.models import MeetingFormat, Side
from tests.matching.helpers import coordinator_user
from tests.meetings.helpers import confirmed_pair
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio
NOW = datetime(2027, 5, 10, 12, tzinfo=UTC)


def _answer(session: Session, pair_ms: object, when: datetime, score: int, visibility: FeedbackVisibility) -> None:
    mentorship = pair_ms
    meeting = Meeting(
        mentorship_id=mentorship.id,  # type: ignore[attr-defined]
        program_id=mentorship.program_id,  # type: ignore[attr-defined]
        starts_at=when,
        ends_at=when + timedelta(hours=1),
        timezone="UTC",
        format=MeetingFormat.VIDEO,
        uid=f"{when.timestamp()}-{score}@test",
        status=MeetingStatus.HELD,
    )
    session.add(meeting)
    session.flush()
    session.add(
        MeetingFeedback(
            meeting_id=meeting.id,
            mentorship_id=meeting.mentorship_id,
            program_id=meeting.program_id,
            side=Side.MENTEE,
            usefulness=score,
            visibility=visibility,
            created_at=when,
        )
    )
    session.flush()


def test_means_appear_for_closed_months_with_five_answers(db_session: Session) -> None:
    first = make_pair(db_session)
    program = first.program
    april = datetime(2027, 4, 5, 12, tzinfo=UTC)
    march = datetime(2027, 3, 5, 12, tzinfo=UTC)
    for score in (5, 4, 4, 3, 4):  # five shared answers in April
        _answer(db_session, make_pair(db_session, program=program).mentorship, april, score, FeedbackVisibility.PARTNER)
    _answer(db_session, first.mentorship, april, 1, FeedbackVisibility.PRIVATE)  # never counted
    for score in (5, 5, 5, 5):  # four in March: too few for a mean
        kind = FeedbackVisibility.COORDINATORS
        _answer(db_session, make_pair(db_session, program=program).mentorship, march, score, kind)
    _answer(db_session, first.mentorship, NOW - timedelta(days=2), 2, FeedbackVisibility.PARTNER)  # May: still open

    shown = {f.month.isoformat(): f for f in figures.monthly(db_session, program.id, NOW)}
    assert "2027-05-01" not in shown
    assert (shown["2027-04-01"].answers, shown["2027-04-01"].mean_usefulness) == (5, 4.0)
    assert (shown["2027-03-01"].answers, shown["2027-03-01"].mean_usefulness) == (4, None)
    assert shown["2027-04-01"].meetings_held == 6


async def test_feedback_of_a_closed_month_cannot_change(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session, started_days_ago=60)
    added = await client.post(
        f"{pair.base}/meetings",
        headers=pair.mentor_h,
        json={"starts_at": (datetime.now(UTC) - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"), "timezone": "UTC"},
    )
    assert added.status_code == 201, added.text
    url = f"{pair.base}/meetings/{added.json()['id']}"
    held = await client.post(f"{url}/outcome", headers=pair.mentor_h, json={"outcome": "held"})
    assert held.status_code == 200, held.text
    given = await client.put(f"{url}/feedback", headers=pair.mentee_h, json={"usefulness": 4})
    assert given.status_code == 200, given.text
    again = await client.put(f"{url}/feedback", headers=pair.mentee_h, json={"usefulness": 5})
    assert again.status_code == 200 and again.json()["my_feedback"]["usefulness"] == 5
    row = db_session.query(MeetingFeedback).filter_by(meeting_id=added.json()["id"]).one()
    row.created_at = row.created_at - timedelta(days=40)  # given in an earlier, closed month
    db_session.flush()
    late = await client.put(f"{url}/feedback", headers=pair.mentee_h, json={"usefulness": 1})
    assert late.status_code == 409
    db_session.refresh(row)
    assert row.usefulness == 5


async def test_only_coordinators_read_the_figures(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = await confirmed_pair(client, db_session)
    url = f"/api/v1/programs/{pair.program.id}/meetings/figures"
    assert (await client.get(url, headers=pair.coord_h)).status_code == 200
    assert (await client.get(url, headers=pair.mentee_h)).status_code == 403


async def test_coordinators_read_the_months_on_a_page(app: FastAPI, db_session: Session) -> None:
    first = make_pair(db_session)
    program = first.program
    last_month = (datetime.now(UTC).replace(day=1) - timedelta(days=10)).replace(hour=12)
    for score in (5, 4, 4, 3, 4):
        _answer(
            db_session, make_pair(db_session, program=program).mentorship, last_month, score, FeedbackVisibility.PARTNER
        )
    coordinator = coordinator_user(db_session, program, "Clara Coordinator")
    async with browser(app, db_session, coordinator) as (c, _token):
        page = await c.get(f"/programs/{program.id}/meetings/figures")
        assert page.status_code == 200
        row = re.search(rf'<tr data-month="{last_month.date().replace(day=1).isoformat()}">(.*?)</tr>', page.text, re.S)
        assert row and "<strong>4.0</strong>" in row.group(1)
        reviews = await c.get(f"/programs/{program.id}/reviews")
        assert f"/programs/{program.id}/meetings/figures" in reviews.text
    async with browser(app, db_session, first.mentee.user) as (c, _token):
        assert (await c.get(f"/programs/{program.id}/meetings/figures")).status_code == 403


async def test_the_page_says_what_to_do_without_meetings(app: FastAPI, db_session: Session) -> None:
    program = make_pair(db_session).program
    async with browser(app, db_session, coordinator_user(db_session, program, "Clara Coordinator")) as (c, _token):
        page = await c.get(f"/programs/{program.id}/meetings/figures")
        assert page.status_code == 200 and "data-empty" in page.text and "data-meeting-figures" not in page.text
