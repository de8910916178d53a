"""The relationship report: counts per pair from constructed histories, filters, paging, the feedback average only
from 5 non-private answers, CSV (formula cells disarmed) and JSON exports, coordinators only, a fixed number of
queries whatever the number of pairs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.models import Message
from mentorloom.health import report
from mentorloom.health.models import PairHealth
from mentorloom.meetings.models import FeedbackVisibility, Meeting, MeetingFeedback, MeetingStatus
from mentorloom.mentorships.models import MentorshipStatus, Side
from mentorloom.programs.models import Cadence
from tests.factories import make_program
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser, service_pair
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


def held(session: Session, ms: object, days_ago: int, usefulness: int | None = None, private: bool = False) -> None:
    when = utcnow() - timedelta(days=days_ago)
    meeting = Meeting(
        mentorship_id=ms.id,  # type: ignore[attr-defined]
        program_id=ms.program_id,  # type: ignore[attr-defined]
        starts_at=when,
        ends_at=when + timedelta(hours=1),
        timezone="UTC",
        format="video",
        uid=f"{when.timestamp()}-{days_ago}@report",
        status=MeetingStatus.HELD,
    )
    session.add(meeting)
    session.flush()
    if usefulness is not None:
        visibility = FeedbackVisibility.PRIVATE if private else FeedbackVisibility.PARTNER
        session.add(
            MeetingFeedback(
                meeting_id=meeting.id,
                mentorship_id=meeting.mentorship_id,
                program_id=meeting.program_id,
                side=Side.MENTEE,
                usefulness=usefulness,
                visibility=visibility,
            )
        )
    session.flush()


def test_counts_of_a_constructed_pair(db_session: Session) -> None:
    pair = service_pair(db_session, cadence=Cadence.WEEKLY, started_days_ago=70, names=("Ada Mentor", "Bo Mentee"))
    ms = pair.mentorship
    for days, score in ((60, 4), (50, 5), (40, 4), (30, 3)):
        held(db_session, ms, days, score)
    held(db_session, ms, 20, 1, private=True)  # private: never counted
    for body in ("one", "two", "secret words"):
        db_session.add(Message(mentorship_id=ms.id, program_id=ms.program_id, author_side=Side.MENTOR, body=body))
    db_session.flush()
    (row,) = report.page(db_session, pair.program, report.ReportFilter()).rows
    assert (row.mentor, row.mentee, row.status) == ("Ada Mentor", "Bo Mentee", "active")
    assert row.meetings_held == 5 and row.meetings_agreed == 10 and row.cadence == "weekly"
    assert (row.goals_set, row.goals_achieved, row.messages) == (1, 0, 3)
    assert row.last_meeting_at is not None and (utcnow() - row.last_meeting_at).days == 20
    assert row.feedback_average is None  # four shared answers: below five, no mean
    held(db_session, ms, 10, 2)
    (row,) = report.page(db_session, pair.program, report.ReportFilter()).rows
    assert row.feedback_average == pytest.approx((4 + 5 + 4 + 3 + 2) / 5)
    assert "secret words" not in str(row.as_json())


def test_filters_and_paging(db_session: Session) -> None:
    program = make_program(db_session)
    pairs = [make_pair(db_session, program=program, started_days_ago=100, coordinator_headers={}) for _ in range(5)]
    held(db_session, pairs[0].mentorship, 5)
    pairs[1].mentorship.status = MentorshipStatus.PAUSED
    db_session.add(PairHealth(mentorship_id=pairs[2].mentorship.id, program_id=program.id, score=30, band="at_risk"))
    db_session.flush()
    ids = lambda f: {r.mentorship_id for r in report.all_rows(db_session, program, f)}  # noqa: E731
    everyone = {p.mentorship.id for p in pairs}
    assert ids(report.ReportFilter()) == everyone - {pairs[1].mentorship.id}
    assert ids(report.ReportFilter(status="paused")) == {pairs[1].mentorship.id}
    assert ids(report.ReportFilter(status="all")) == everyone
    assert ids(report.ReportFilter(band="at_risk")) == {pairs[2].mentorship.id}
    assert ids(report.ReportFilter(quiet_days=30)) == everyone - {pairs[0].mentorship.id, pairs[1].mentorship.id}
    name = pairs[3].mentee.user.display_name
    assert ids(report.ReportFilter(q=name.upper()[-8:])) >= {pairs[3].mentorship.id}
    assert ids(report.ReportFilter(q="%")) == set()  # a wildcard is a character, not "everything"
    first = report.page(db_session, program, report.ReportFilter(), 1, 3)
    second = report.page(db_session, program, report.ReportFilter(), 2, 3)
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (4, 2, 3, 1)
    assert not {r.mentorship_id for r in first.rows} & {r.mentorship_id for r in second.rows}
    with pytest.raises(Exception, match="options"):
        report.page(db_session, program, report.ReportFilter(status="bogus"))


def test_a_fixed_number_of_queries(db_session: Session) -> None:
    def count(n: int) -> int:
        program = make_program(db_session)
        for i in range(n):
            p = service_pair(db_session, program=program, names=(f"Ana Mentor {n}-{i}", f"Ben Mentee {n}-{i}"))
            held(db_session, p.mentorship, 3, 4)
        seen: list[str] = []
        conn = db_session.connection()

        def tally(*_args: object) -> None:
            seen.append("q")

        event.listen(conn, "before_cursor_execute", tally)
        try:
            report.all_rows(db_session, program, report.ReportFilter())
            report.page(db_session, program, report.ReportFilter())
        finally:
            event.remove(conn, "before_cursor_execute", tally)
        return len(seen)

    assert count(2) == count(6)


async def test_pages_and_exports_for_coordinators_only(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session, started_days_ago=40)
    pair.mentor.user.display_name = '=HYPERLINK("http://evil")'
    db_session.flush()
    url = f"/programs/{pair.program.id}/health/report"
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, _token):
        page = await c.get(url)
        assert page.status_code == 200 and f'data-pair="{pair.mentorship.id}"' in page.text
        assert "&#34;http://evil&#34;" in page.text or "&quot;http://evil&quot;" in page.text
        assert (await c.get(url, params={"status": "bogus"})).status_code == 422
        assert (await c.get(url, params={"quiet_days": "0"})).status_code == 422
        exported = await c.get(f"{url}.csv", params={"status": "all"})
        assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
        assert lines[0][:3] == ["Pair ID", "Mentor", "Mentee"] and len(lines) == 2
        assert lines[1][1].startswith("'=")  # a spreadsheet shows the text instead of running it
        data = (await c.get(f"{url}.json", params={"q": "Moritz"})).json()
        assert [item["mentorship_id"] for item in data["items"]] == [pair.mentorship.id]
        assert data["min_feedback_answers"] == 5
    api = f"/api/v1/programs/{pair.program.id}/health/report"
    answer = await client.get(api, headers=pair.coord_h)
    assert answer.status_code == 200 and answer.json()["total"] == 1
    assert answer.json()["items"][0]["messages"] == 0
    assert (await client.get(api, headers=pair.coord_h, params={"band": "nope"})).status_code == 422
    for headers in (pair.mentor_h, pair.mentee_h):
        assert (await client.get(api, headers=headers)).status_code == 403
    other = make_pair(db_session)
    assert (await client.get(api, headers=other.coord_h)).status_code == 404
    assert (await client.get(api)).status_code == 401
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        assert (await c.get(url)).status_code == 403
        assert (await c.get(f"{url}.csv")).status_code == 403
    async with browser(app, db_session, other.mentor.user) as (c, _token):
        assert (await c.get(url)).status_code == 404
        assert (await c.get(f"{url}.json")).status_code == 404
