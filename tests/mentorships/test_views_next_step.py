"""The pair home leads with the next possible step; every change answers 303; partners see what waits for them."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.mentorships.models import MentorshipStatus, ReviewSubmission
from mentorloom.mentorships.reviews import STATEMENTS
from mentorloom.notifications.models import OutboxMail
from tests.mentorships.helpers import make_pair
from tests.mentorships.test_views import _lock, _page, _set_terms, browser

pytestmark = pytest.mark.anyio


def _next_step(html: str) -> str | None:
    match = re.search(r'data-next-step="([a-z_]+)"', html)
    return match.group(1) if match else None


async def test_a_new_pair_is_led_to_its_first_goal_not_to_a_confirm_that_fails(
    app: FastAPI, db_session: Session
) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        home = await c.get(_page(pair))
        assert _next_step(home.text) == "add_goal"
        # Confirming cannot work yet: no form posts it, the button is disabled and says why.
        assert "/agreement/confirm" not in home.text
        assert '<button type="button" class="secondary" disabled aria-describedby="confirm-blocked">' in home.text
        assert "Add at least one goal first" in home.text
        for step in ("introduce", "goals", "confirm", "meet"):
            assert f'data-step="{step}"' in home.text
        assert "data-done" not in home.text

        assert (await _set_terms(c, token, pair, "Help with negotiation")).status_code == 303
        added = await c.post(f"{_page(pair)}/goals", data={"csrf_token": token, "goal.title": "Lead a salary talk"})
        assert added.status_code == 303
        home = await c.get(_page(pair))
        assert _next_step(home.text) == "confirm"
        assert "Add at least one goal first" not in home.text


async def test_state_changes_come_after_the_pairs_work_in_plain_words(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        home = (await c.get(_page(pair))).text
        assert home.index('id="next-step"') < home.index('id="agreement"') < home.index('id="actions-title"')
        assert "Begin wrapping up" in home and "Start completing" not in home and "Change the state" not in home
        assert 'class="secondary outline danger"' not in home  # no loud red trigger; the dialog asks first
        assert 'data-dialog-open="dlg-end"' in home


async def test_every_successful_change_answers_303(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=90)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        base = _page(pair)
        assert (await _set_terms(mentor, m_token, pair, "Help")).status_code == 303
        goal = {"csrf_token": m_token, "goal.title": "Lead a salary talk"}
        assert (await mentor.post(f"{base}/goals", data=goal)).status_code == 303
        home = await mentor.get(base)
        confirm = {"csrf_token": m_token, "lock_version": _lock(home.text, "/agreement/confirm")}
        assert (await mentor.post(f"{base}/agreement/confirm", data=confirm)).status_code == 303
        key = re.search(r"/goals/([0-9a-f]+)/progress", home.text)
        assert key
        progress = {"csrf_token": m_token, "progress": "20", "note": "Started"}
        assert (await mentor.post(f"{base}/goals/{key.group(1)}/progress", data=progress)).status_code == 303
        day = {"csrf_token": m_token, "planned_end_on": "2031-01-15"}
        assert (await mentor.post(f"{base}/planned-end", data=day)).status_code == 303
        assert (await mentor.post(f"{base}/fit-check/open", data={"csrf_token": m_token})).status_code == 303
        assert (await mentor.post(f"{base}/state/pause", data={"csrf_token": m_token})).status_code == 303
        assert (await mentor.post(f"{base}/state/resume", data={"csrf_token": m_token})).status_code == 303
        assert (await mentor.post(f"{base}/state/complete", data={"csrf_token": m_token})).status_code == 303
        retro = {"csrf_token": m_token, "retro.what_worked": "Talking"}
        assert (await mentor.post(f"{base}/retrospective", data=retro)).status_code == 303


async def test_the_partner_sees_a_changed_agreement_waiting_and_gets_a_mail(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        home = await mentor.get(_page(pair))
        assert "data-partner-asked" not in home.text  # no goal, no revise form yet
        goal = {"csrf_token": m_token, "goal.title": "Lead a salary talk"}
        assert (await mentor.post(f"{_page(pair)}/goals", data=goal)).status_code == 303
        home = await mentor.get(_page(pair))
        assert "data-partner-asked" in home.text  # the revise form says the partner will be asked
    mails = list(db_session.scalars(select(OutboxMail).where(OutboxMail.template == "agreement_waiting")))
    assert [m.to_address for m in mails] == [pair.mentee.user.email]
    assert mails[0].context["partner_name"] == pair.mentor.user.display_name
    async with browser(app, db_session, pair.mentee.user) as (mentee, _token):
        home = await mentee.get(_page(pair))
        assert 'data-waiting="me"' in home.text and "waiting for your confirmation" in home.text


async def test_either_partner_opens_the_review_early(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=3)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        home = await mentor.get(_page(pair))
        assert "/reviews/new?early=1" in home.text
        form = await mentor.get(f"{_page(pair)}/reviews/new?early=1")
        assert "data-early" in form.text and 'name="early" value="1"' in form.text
        data = {"csrf_token": m_token, "early": "1", **{f"score.{k}": "4" for k in STATEMENTS}}
        sent = await mentor.post(f"{_page(pair)}/reviews/new", data=data)
        assert sent.status_code == 303
        again = await mentor.post(f"{_page(pair)}/reviews/new", data=data)  # a re-answer, not a third round
        assert again.status_code == 303
    periods = db_session.scalars(
        select(ReviewSubmission.period).where(ReviewSubmission.mentorship_id == pair.mentorship.id)
    ).all()
    assert periods == [1]
    async with browser(app, db_session, pair.mentee.user) as (mentee, _token):
        home = await mentee.get(_page(pair))
        assert 'id="review-due-title"' in home.text


async def test_a_proposed_pair_is_led_to_accept(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, status=MentorshipStatus.PROPOSED)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        home = await c.get(_page(pair))
        assert _next_step(home.text) == "accept"
        assert home.text.count(f'action="{_page(pair)}/accept"') == 1
