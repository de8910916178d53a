"""The coordinator dashboard on both databases: counts and the at-risk list with reasons, the nudge (both partners
mailed, once a week, logged), coordination notes the pair never sees, the pair's own guidance card, the live
recompute after a held meeting and the daily job; coordinators only, another program's pair 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.health import service
from mentorloom.health.models import HealthNudge, PairHealth
from mentorloom.jobs.registry import load_all_jobs
from mentorloom.meetings.models import Meeting, MeetingStatus
from mentorloom.notifications.models import OutboxMail
from tests.health.analytics_builders import held
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


def quiet_pair(session: Session, days: int = 70) -> Pair:
    """A pair that started `days` ago and never met or wrote: at risk, with "no meeting since the start"."""
    pair = make_pair(session, started_days_ago=days)
    service.recompute_program(session, pair.program)
    return pair


async def test_the_dashboard_lists_the_pair_at_risk_with_its_reasons(app: FastAPI, db_session: Session) -> None:
    pair = quiet_pair(db_session)
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, _token):
        page = await c.get(f"/programs/{pair.program.id}/health")
        assert page.status_code == 200, page.text
        html = page.text
        assert 'data-band-count="at_risk"><strong>1<' in html
        assert f'data-pair="{pair.mentorship.id}"' in html
        assert 'data-reason="no_meeting_yet"' in html and "No meeting held since the start 70 days ago." in html
        assert "Nudge the pair" in html
        for link in ("/health/analytics", "/health/retention", "/health/evidence", "/health/report"):
            assert link in html
        calm = await c.get(f"/programs/{pair.program.id}/health", params={"band": "attention"})
        assert calm.status_code == 200 and "No pair in this band right now." in calm.text
        detail = await c.get(f"/programs/{pair.program.id}/health/pairs/{pair.mentorship.id}")
        assert detail.status_code == 200 and 'data-component="cadence"' in detail.text and "35 / 35" in detail.text
        c.cookies.set("ml_lang", "de")
        german = await c.get(f"/programs/{pair.program.id}/health")
        assert "Gefährdet" in german.text and "Kein Treffen seit dem Start vor 70 Tagen." in german.text


async def test_an_empty_program_explains_what_to_do(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)  # under way, but never recomputed
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, token):
        page = await c.get(f"/programs/{pair.program.id}/health")
        assert page.status_code == 200 and "No pair under way has a score yet" in page.text
        done = await c.post(f"/programs/{pair.program.id}/health/recompute", data={"csrf_token": token})
        assert done.status_code == 303
        after = await c.get(done.headers["location"])
        assert "Health recomputed for 1 pair under way." in after.text and 'data-band-count="healthy"' in after.text


async def test_a_nudge_mails_both_once_a_week(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = quiet_pair(db_session)
    coord = coordinator_user(db_session, pair.program)
    base = f"/programs/{pair.program.id}/health"
    async with browser(app, db_session, coord) as (c, token):
        sent = await c.post(f"{base}/pairs/{pair.mentorship.id}/nudge", data={"csrf_token": token, "back": base})
        assert sent.status_code == 303 and sent.headers["location"] == base
        page = await c.get(base)
        assert "A friendly reminder is on its way" in page.text and "Nudged" in page.text
        again = await c.post(f"{base}/pairs/{pair.mentorship.id}/nudge", data={"csrf_token": token})
        assert again.status_code == 303
        assert "nudged less than a week ago" in (await c.get(again.headers["location"])).text
    mails = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "health_nudge")).all()
    assert sorted(m.to_address for m in mails) == sorted([pair.mentor.user.email, pair.mentee.user.email])
    assert db_session.scalar(select(func.count()).select_from(HealthNudge)) == 1
    api = f"/api/v1{base}/pairs/{pair.mentorship.id}/nudge"
    assert (await client.post(api, headers=pair.coord_h)).status_code == 409
    # a week later the pair may be nudged again
    db_session.execute(HealthNudge.__table__.update().values(sent_at=utcnow() - timedelta(days=8)))
    assert (await client.post(api, headers=pair.coord_h)).status_code == 201
    assert (
        db_session.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.template == "health_nudge"))
        == 4
    )


async def test_notes_are_for_the_coordination_only(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = quiet_pair(db_session)
    coord = coordinator_user(db_session, pair.program)
    url = f"/programs/{pair.program.id}/health/pairs/{pair.mentorship.id}"
    async with browser(app, db_session, coord) as (c, token):
        empty = await c.post(f"{url}/notes", data={"csrf_token": token, "text": "   "})
        assert empty.status_code == 422 and "Please write a note." in empty.text
        saved = await c.post(f"{url}/notes", data={"csrf_token": token, "text": "Called Moritz: exams until May."})
        assert saved.status_code == 303
        assert "Called Moritz: exams until May." in (await c.get(url)).text
    api = f"/api/v1{url}"
    body = (await client.get(api, headers=pair.coord_h)).json()
    assert [n["text"] for n in body["notes"]] == ["Called Moritz: exams until May."]
    assert body["band"] == "at_risk" and body["reasons"][0]["code"] == "no_meeting_yet"
    too_long = await client.post(f"{api}/notes", headers=pair.coord_h, json={"text": "x" * 2001})
    assert too_long.status_code == 422
    for headers in (pair.mentor_h, pair.mentee_h):
        assert (await client.get(api, headers=headers)).status_code == 403
        assert (await client.post(f"{api}/notes", headers=headers, json={"text": "hi"})).status_code == 403
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        home = await c.get(f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}")
        assert home.status_code == 200 and "exams until May" not in home.text
        assert (await c.get(url)).status_code == 403


async def test_another_programs_pair_is_not_found(client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = quiet_pair(db_session)
    other = quiet_pair(db_session)
    mine = f"/api/v1/programs/{pair.program.id}/health/pairs"
    assert (await client.get(f"{mine}/{other.mentorship.id}", headers=pair.coord_h)).status_code == 404
    assert (await client.post(f"{mine}/{other.mentorship.id}/nudge", headers=pair.coord_h)).status_code == 404
    theirs = f"/api/v1/programs/{other.program.id}/health"
    assert (await client.get(theirs, headers=pair.coord_h)).status_code == 404
    assert (await client.get(theirs)).status_code == 401
    listed = (await client.get(mine, headers=pair.coord_h)).json()
    assert [i["mentorship_id"] for i in listed["items"]] == [pair.mentorship.id]
    assert listed["items"][0]["reasons"][0]["text"].startswith("No meeting held since the start")
    assert (await client.get(mine, headers=pair.coord_h, params={"band": "nope"})).status_code == 422


async def test_the_pair_reads_guidance_never_a_score(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=90)
    held(db_session, pair.mentorship, utcnow() - timedelta(days=40), (4, False))
    service.recompute_program(db_session, pair.program)
    row = db_session.get(PairHealth, pair.mentorship.id)
    assert row is not None
    for person in (pair.mentor.user, pair.mentee.user):
        async with browser(app, db_session, person) as (c, _token):
            home = await c.get(f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}")
            assert home.status_code == 200
            assert "data-guidance-panel" in home.text
            assert "the last was 40 days ago" in home.text
            assert f"Score {row.score}" not in home.text and "At risk" not in home.text
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, _token):
        home = await c.get(f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}")
        assert home.status_code == 200 and "data-guidance-panel" not in home.text


async def test_a_held_meeting_recomputes_the_pair_at_once(app: FastAPI, db_session: Session) -> None:
    pair = quiet_pair(db_session)
    before = db_session.get(PairHealth, pair.mentorship.id)
    assert before is not None and before.band == "at_risk"
    meeting = Meeting(
        mentorship_id=pair.mentorship.id,
        program_id=pair.program.id,
        starts_at=utcnow() - timedelta(hours=2),
        ends_at=utcnow() - timedelta(hours=1),
        timezone="UTC",
        format="video",
        uid="dash-live@test",
        status=MeetingStatus.SCHEDULED,
    )
    db_session.add(meeting)
    db_session.flush()
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        url = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/meetings/{meeting.id}/outcome"
        answer = await c.post(url, data={"csrf_token": token, "outcome.outcome": "held"})
        assert answer.status_code in (200, 303), answer.text[-1500:]
    db_session.expire_all()
    after = db_session.get(PairHealth, pair.mentorship.id)
    assert after is not None and after.band != "at_risk"


def test_the_daily_recompute_is_a_registered_job() -> None:
    jobs = load_all_jobs()
    assert jobs["health.recompute"].every is not None
    assert {"health.inactivity", "health.pulse_invites"} <= jobs.keys()
