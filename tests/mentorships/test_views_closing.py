"""The closing pages: retrospectives, finish and renew in the completing phase; planned end; opening the fit check."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from babel.dates import format_date
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.errors import ValidationFailed
from mentorloom.mentorships import agreements, closing
from mentorloom.mentorships.access import seat_for
from mentorloom.mentorships.models import MentorshipStatus
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_user
from tests.mentorships.helpers import make_pair
from tests.mentorships.test_views import _page, _set_terms, browser

pytestmark = pytest.mark.anyio


def _retro(token: str, worked: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "retro.what_worked": worked,
        "retro.what_we_learned": "Ask early",
        "retro.what_next": "Keep in touch",
    }


async def test_both_write_retrospectives_then_finish(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        home = await mentor.get(_page(pair))
        assert home.status_code == 200 and "Closing retrospective" in home.text
        assert f'action="{_page(pair)}/finish"' in home.text and f'action="{_page(pair)}/renew"' in home.text
        empty = await mentor.post(f"{_page(pair)}/retrospective", data={"csrf_token": m_token})
        assert empty.status_code == 422 and "Write at least one of the three answers." in empty.text
        saved = await mentor.post(f"{_page(pair)}/retrospective", data=_retro(m_token, "Weekly calls"))
        assert saved.status_code == 303
        early = await mentor.post(f"{_page(pair)}/finish", data={"csrf_token": m_token})
        assert early.status_code == 409 and "Both of you write a closing retrospective" in early.text
        async with browser(app, db_session, pair.mentee.user) as (mentee, e_token):
            home = await mentee.get(_page(pair))
            assert "Weekly calls" in home.text
            written = await mentee.post(
                f"{_page(pair)}/retrospective", data=_retro(e_token, "Honest feedback"), follow_redirects=True
            )
            assert written.status_code == 200 and "Weekly calls" in written.text and "Honest feedback" in written.text
        done = await mentor.post(f"{_page(pair)}/finish", data={"csrf_token": m_token}, follow_redirects=True)
        assert done.status_code == 200 and "Closing retrospective" not in done.text
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.status is MentorshipStatus.COMPLETED


async def test_renew_starts_next_cycle_with_copied_agreement(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        assert (await _set_terms(mentor, m_token, pair, "Grow into a lead role")).status_code == 303
        pair.mentorship.status = MentorshipStatus.COMPLETING
        db_session.flush()
        renewed = await mentor.post(
            f"{_page(pair)}/renew", data={"csrf_token": m_token, "note": "One more year"}, follow_redirects=True
        )
        assert renewed.status_code == 200 and "Cycle 2" in renewed.text
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.status is MentorshipStatus.ACTIVE and pair.mentorship.cycle == 2
    copy = agreements.current(db_session, pair.mentorship)
    assert copy is not None and copy.cycle == 2 and copy.cadence.value == "biweekly"


async def test_planned_end_date_edit(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=10)
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        url = f"{_page(pair)}/planned-end"
        garbage = await c.post(url, data={"csrf_token": token, "planned_end_on": "someday"})
        assert garbage.status_code == 422
        assert 'id="f-planned_end_on-error"' in garbage.text and 'value="someday"' in garbage.text
        past = (date.today() - timedelta(days=30)).isoformat()
        before = await c.post(url, data={"csrf_token": token, "planned_end_on": past})
        assert before.status_code == 422 and "The planned end must be after the start" in before.text
        assert 'id="f-planned_end_on-error"' in before.text
        day = (date.today() + timedelta(days=200)).isoformat()
        assert (await c.post(url, data={"csrf_token": token, "planned_end_on": day})).status_code == 303
        home = await c.get(_page(pair))
        shown = format_date(date.fromisoformat(day), "medium", locale="en")  # e.g. "Jun 17, 2027", not ISO
        assert f"planned until {shown}" in home.text
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.planned_end_on == date.fromisoformat(day)


async def test_open_fit_check_now(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=1)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        home = await c.get(_page(pair))
        assert "Open the fit check now" in home.text and "Yes, it fits" not in home.text
        opened = await c.post(f"{_page(pair)}/fit-check/open", data={"csrf_token": token}, follow_redirects=True)
        assert opened.status_code == 200 and "Yes, it fits" in opened.text
        assert "Open the fit check now" not in opened.text


async def test_coordinator_never_sees_retrospectives_but_may_finish(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await c.post(f"{_page(pair)}/retrospective", data=_retro(token, "Secret insight"))).status_code == 303
    coord = make_user(db_session, name="Clara Closer")
    add_member(db_session, pair.program, coord, Role.COORDINATOR)
    async with browser(app, db_session, coord) as (c, token):
        page = await c.get(_page(pair))
        assert page.status_code == 200 and "Agreement status" in page.text
        assert "Secret insight" not in page.text and "Ask early" not in page.text
        assert "Closing retrospective" not in page.text and f"{_page(pair)}/renew" not in page.text
        written = await c.post(f"{_page(pair)}/retrospective", data=_retro(token, "Nosy"))
        assert written.status_code == 403 and "Secret insight" not in written.text
        done = await c.post(f"{_page(pair)}/finish", data={"csrf_token": token}, follow_redirects=True)
        assert done.status_code == 200 and "Secret insight" not in done.text
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.status is MentorshipStatus.COMPLETED


async def test_a_too_long_reason_is_refused_not_cut_off(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    too_long = "x" * 1001
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        paused = await c.post(f"{_page(pair)}/state/pause", data={"csrf_token": token, "reason": too_long})
        assert paused.status_code == 422 and "Use at most 1000 characters" in paused.text
    db_session.refresh(pair.mentorship)
    assert pair.mentorship.status is MentorshipStatus.ACTIVE

    completing = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    coordinator = make_user(db_session, name="Coordinator Cora")
    add_member(db_session, completing.program, coordinator, Role.COORDINATOR)
    async with browser(app, db_session, coordinator) as (c, token):
        finished = await c.post(f"{_page(completing)}/finish", data={"csrf_token": token, "reason": too_long})
        assert finished.status_code == 422 and "Use at most 1000 characters" in finished.text
    db_session.refresh(completing.mentorship)
    assert completing.mentorship.status is MentorshipStatus.COMPLETING


def test_finishing_checks_the_reason_like_every_other_transition(db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.COMPLETING)
    seat = seat_for(db_session, pair.mentor.user, pair.program.id, pair.mentorship.id)
    with pytest.raises(ValidationFailed) as refused:
        closing.finish(db_session, seat, "x" * 1001)
    assert refused.value.errors[0]["field"] == "reason"
