"""The mentees' pulse: only the mentee answers (mentor and coordinators 403, outsiders 404), one answer per
period (a second one changes it), "stuck" tells the mentor with the line and nobody else ever reads it, the
card on the pair home shows while the period is open, validation names its field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from mentorloom.db import utcnow
from mentorloom.health import pulse
from mentorloom.health.models import Pulse
from mentorloom.mentorships import extensions
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.notifications.models import Notification, OutboxMail
from tests.factories import make_program
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser, field_error
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio
SECRET = "my manager blocks the promotion ZQX-7731"


def enable(pair: Pair, every: int = 2) -> None:
    pair.program.settings = {
        **(pair.program.settings or {}),
        "health": {"pulse_enabled": True, "pulse_every_weeks": every},
    }
    session = object_session(pair.program)
    assert session is not None
    session.flush()


def test_periods_count_from_the_start() -> None:
    start = utcnow()
    assert pulse.round_at(start, 2, start).period == 1
    assert pulse.round_at(start, 2, start + timedelta(days=13)).period == 1
    assert pulse.round_at(start, 2, start + timedelta(days=14)).period == 2
    assert pulse.round_at(start, 1, start + timedelta(days=21)).period == 4
    r = pulse.round_at(start, 2, start + timedelta(days=30))
    assert r.period == 3 and r.opened_at == start + timedelta(weeks=4) and r.next_at == start + timedelta(weeks=6)


async def test_who_may_answer(client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session, started_days_ago=20)
    enable(pair)
    url = f"{pair.base}/pulse"
    assert (await client.get(url, headers=pair.mentee_h)).json()["period"] == 2
    assert (await client.get(url, headers=pair.mentor_h)).status_code == 403
    assert (await client.get(url, headers=pair.coord_h)).status_code == 403
    assert (await client.post(url, headers=pair.mentor_h, json={"score": 3})).status_code == 403
    assert (await client.post(url, headers=pair.coord_h, json={"score": 3})).status_code == 403
    other = make_pair(db_session)
    assert (await client.get(url, headers=other.mentee_h)).status_code == 404
    assert (await client.get(url, headers=other.coord_h)).status_code == 404  # another program's coordinator
    assert (await client.get(url)).status_code == 401
    assert db_session.scalar(select(func.count()).select_from(Pulse)) == 0


async def test_off_or_resting_pairs_have_no_pulse(client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session)
    url = f"{pair.base}/pulse"
    assert (await client.get(url, headers=pair.mentee_h)).status_code == 404  # the program has it off
    enable(pair)
    pair.mentorship.status = MentorshipStatus.PAUSED
    db_session.flush()
    assert (await client.post(url, headers=pair.mentee_h, json={"score": 4})).status_code == 404


async def test_one_answer_per_period_and_a_second_changes_it(client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session, started_days_ago=3)
    enable(pair)
    url = f"{pair.base}/pulse"
    first = await client.post(url, headers=pair.mentee_h, json={"score": 2})
    assert first.status_code == 200, first.text
    assert first.json() | {} == first.json() and first.json()["answered"] is True
    again = await client.post(url, headers=pair.mentee_h, json={"score": 5, "text": "not stuck, so not kept"})
    assert again.json()["score"] == 5 and again.json()["text"] == "" and again.json()["stuck"] is False
    rows = db_session.scalars(select(Pulse).where(Pulse.mentorship_id == pair.mentorship.id)).all()
    assert [(p.period, p.score) for p in rows] == [(1, 5)]
    # no stuck: the mentor is told nothing
    assert db_session.scalar(select(Notification.id).where(Notification.kind == "pulse_stuck")) is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({}, "score"),
        ({"score": "x"}, "score"),
        ({"score": 3, "stuck": True, "text": "a" * 1001}, "text"),
        ({"score": 3, "stuck": True, "text": "nul\x00byte"}, "text"),
        ({"score": 3, "extra": 1}, "extra"),
    ],
)
async def test_validation_names_the_field(client, db_session: Session, body: dict, field: str) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session)
    enable(pair)
    answer = await client.post(f"{pair.base}/pulse", headers=pair.mentee_h, json=body)
    assert answer.status_code == 422, answer.text
    assert field in answer.text
    assert db_session.scalar(select(func.count()).select_from(Pulse)) == 0


async def test_stuck_tells_the_mentor_only_and_never_the_coordinator(app: FastAPI, client, db_session: Session) -> None:  # type: ignore[no-untyped-def]
    pair = make_pair(db_session, started_days_ago=40)
    enable(pair)
    coord = coordinator_user(db_session, pair.program, "Coordinator Carla")
    answer = await client.post(
        f"{pair.base}/pulse", headers=pair.mentee_h, json={"score": 1, "stuck": True, "text": SECRET}
    )
    assert answer.status_code == 200 and answer.json()["text"] == SECRET
    # the same answer again: one notice; a changed line: a second one
    await client.post(f"{pair.base}/pulse", headers=pair.mentee_h, json={"score": 1, "stuck": True, "text": SECRET})
    notes = db_session.scalars(select(Notification).where(Notification.kind == "pulse_stuck")).all()
    assert [n.user_id for n in notes] == [pair.mentor.user_id]
    assert notes[0].context["text"] == SECRET
    mails = db_session.scalars(select(OutboxMail).where(OutboxMail.template == "pulse_stuck")).all()
    assert [m.to_address for m in mails] == [pair.mentor.user.email]
    # where the secret may be: the mentor's notice and mail, the pulse row; nowhere else in the outbox or notices
    for n in db_session.scalars(select(Notification)):
        assert SECRET not in str(n.context) or n.user_id == pair.mentor.user_id
    for m in db_session.scalars(select(OutboxMail)):
        assert SECRET not in str(m.context) or m.to_address == pair.mentor.user.email
    # every page and API answer a coordinator can open about this pair and program
    home = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, coord) as (c, _token):
        for url in (
            home,
            f"/programs/{pair.program.id}/mentorships",
            f"/programs/{pair.program.id}",
            f"/programs/{pair.program.id}/health/report",
            f"/programs/{pair.program.id}/health/report.csv?status=all",
            f"/programs/{pair.program.id}/health/report.json?status=all",
            "/notifications",
        ):
            page = await c.get(url)
            assert SECRET not in page.text, url
            assert "ZQX" not in page.text, url
    for url in (f"{pair.base}", f"/api/v1/programs/{pair.program.id}/health/report", "/api/v1/notifications"):
        page = await client.get(url, headers=pair.coord_h)
        assert SECRET not in page.text, url
    # the mentor reads it in their notifications
    mentor_notes = await client.get("/api/v1/notifications", headers=pair.mentor_h)
    assert "Mentee Moritz" in mentor_notes.text


async def test_the_card_shows_for_the_mentee_while_the_period_is_open(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=10)
    enable(pair)
    mentee = seat_for(db_session, pair.mentee.user, pair.program.id, pair.mentorship.id)
    mentor = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    coord = coordinator_user(db_session, pair.program)
    coord_seat = seat_for(db_session, coord, pair.program.id, pair.mentorship.id)
    assert pulse.unanswered(db_session, mentee) is not None
    assert pulse.unanswered(db_session, mentor) is None and pulse.unanswered(db_session, coord_seat) is None
    home = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = await c.get(home)
        assert page.status_code == 200 and "data-pulse-panel" in page.text and "How is it going?" in page.text
        # the form on the card posts to the pulse page; the answer leads to what happens next
        bad = await c.post(f"{home}/pulse", data={"csrf_token": token, "text": "x"})
        assert bad.status_code == 422 and field_error(bad.text, "f-score")
        done = await c.post(f"{home}/pulse", data={"csrf_token": token, "score": "4"}, follow_redirects=True)
        assert (
            done.status_code == 200
            and "data-pulse-done" in done.text
            and "see you at the next quick check" in done.text
        )
        assert "data-pulse-panel" not in (await c.get(home)).text  # answered: the card is gone
        stuck = await c.post(
            f"{home}/pulse",
            data={"csrf_token": token, "score": "2", "stuck": "yes", "text": "help"},
            follow_redirects=True,
        )
        assert "data-pulse-told" in stuck.text and "has been told" in stuck.text
        change = await c.get(f"{home}/pulse?change=1")
        assert 'value="2" required checked' in change.text
    assert db_session.scalar(select(func.count()).select_from(Pulse)) == 1
    for user in (pair.mentor.user, coord):
        async with browser(app, db_session, user) as (c, token):
            assert "data-pulse-panel" not in (await c.get(home)).text
            assert (await c.get(f"{home}/pulse")).status_code == 403
            assert (await c.post(f"{home}/pulse", data={"csrf_token": token, "score": "3"})).status_code == 403
    outsider = make_pair(db_session, program=make_program(db_session))
    async with browser(app, db_session, outsider.mentee.user) as (c, _token):
        assert (await c.get(f"{home}/pulse")).status_code == 404


async def test_a_new_period_asks_again_and_invitations_go_once(db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=1)
    enable(pair, every=1)
    now = utcnow()
    assert pulse.invite_open(db_session, pair.program, now) == 1
    assert pulse.invite_open(db_session, pair.program, now) == 0  # once per period
    mentee = seat_for(db_session, pair.mentee.user, pair.program.id, pair.mentorship.id)
    pulse.answer(db_session, mentee, 4, now=now)
    assert pulse.unanswered(db_session, mentee, now) is None
    later = now + timedelta(days=7)
    assert pulse.unanswered(db_session, mentee, later) is not None
    assert pulse.invite_open(db_session, pair.program, later) == 1
    pulse.answer(db_session, mentee, 3, now=later)
    assert [p.period for p in db_session.scalars(select(Pulse).order_by(Pulse.period))] == [1, 2]
    assert {
        m.to_address for m in db_session.scalars(select(OutboxMail).where(OutboxMail.template == "pulse_open"))
    } == {pair.mentee.user.email}


def test_program_counts_are_suppressed_below_five(db_session: Session) -> None:
    program = make_program(db_session)
    for _ in range(4):
        pair = make_pair(db_session, program=program, coordinator_headers={})
        enable(pair)
        pulse.answer(db_session, seat_for(db_session, pair.mentee.user, program.id, pair.mentorship.id), 3)
    since = utcnow() - timedelta(days=1)
    assert pulse.answered_count(db_session, program.id, since) is None
    pair = make_pair(db_session, program=program, coordinator_headers={})
    pulse.answer(db_session, seat_for(db_session, pair.mentee.user, program.id, pair.mentorship.id), 3)
    assert pulse.answered_count(db_session, program.id, since) == 5


@pytest.fixture(autouse=True)
def _panels(app: FastAPI) -> None:
    assert "health.pulse" in extensions._panels
