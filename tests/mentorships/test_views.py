"""The mentorship pages: list, pair home, agreement form, goal revision, review form; privacy for coordinators."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.mentorships.reviews import STATEMENTS
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_user
from tests.matching.test_views import login
from tests.mentorships.helpers import Pair, make_pair

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def browser(app: FastAPI, session: Session, user: User) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A logged-in client of its own, so two people can act in turn."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c, await login(c, session, user)


def _page(pair: Pair) -> str:
    return f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}"


def _lock(html: str, action: str) -> str:
    match = re.search(
        rf'action="[^"]*{re.escape(action)}">\s*<input type="hidden" name="csrf_token" value="[^"]*">'
        r'<input type="hidden" name="lock_version" value="(\d+)"',
        html,
    )
    assert match, action
    return match.group(1)


async def _set_terms(c: httpx.AsyncClient, token: str, pair: Pair, expectations: str) -> httpx.Response:
    form = await c.get(f"{_page(pair)}/agreement/edit")
    lock = re.search(r'name="lock_version" value="(\d+)"', form.text)
    assert form.status_code == 200 and lock
    data = {
        "csrf_token": token,
        "lock_version": lock.group(1),
        "cadence": "biweekly",
        "format": "video",
        "planned_months": "12",
        "expectations": expectations,
        "confidentiality": "1",
        "preferred_channel": "chat",
        "expected_response_time": "two_days",
        "feedback_style": "Direct",
    }
    return await c.post(f"{_page(pair)}/agreement/edit", data=data)


async def test_pair_member_sees_home_and_list(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        listing = await c.get(f"/programs/{pair.program.id}/mentorships")
        assert listing.status_code == 200 and pair.mentor.user.display_name in listing.text
        home = await c.get(_page(pair))
        assert home.status_code == 200
        assert "Our agreement" in home.text and "Confirm the agreement" in home.text


async def test_empty_list(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    loner = make_user(db_session, name="Lonely Lena")
    add_member(db_session, pair.program, loner, Role.MENTEE)
    async with browser(app, db_session, loner) as (c, _token):
        listing = await c.get(f"/programs/{pair.program.id}/mentorships")
        assert listing.status_code == 200 and "No mentorships yet" in listing.text


async def test_coordinator_sees_no_private_text(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await _set_terms(c, token, pair, "Secret wish to switch careers")).status_code == 303
    coord = make_user(db_session, name="Clara Coordinator")
    add_member(db_session, pair.program, coord, Role.COORDINATOR)
    async with browser(app, db_session, coord) as (c, _token):
        listing = await c.get(f"/programs/{pair.program.id}/mentorships")
        assert listing.status_code == 200 and pair.mentee.user.display_name in listing.text
        page = await c.get(_page(pair))
        assert page.status_code == 200 and "Agreement status" in page.text
        assert "Secret wish" not in page.text and "Direct" not in page.text


async def test_agree_confirm_revise_and_review(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=90)
    async with browser(app, db_session, pair.mentor.user) as (mentor, m_token):
        saved = await _set_terms(mentor, m_token, pair, "Help with negotiation")
        assert saved.status_code == 303
        bad = await mentor.post(f"{_page(pair)}/goals", data={"csrf_token": m_token, "goal.title": ""})
        assert bad.status_code == 422 and "This field is required." in bad.text
        goal = {"csrf_token": m_token, "goal.title": "Lead a salary talk", "goal.success_criteria": "One real talk"}
        assert (await mentor.post(f"{_page(pair)}/goals", data=goal)).status_code == 303
        home = await mentor.get(_page(pair))
        confirm = {"csrf_token": m_token, "lock_version": _lock(home.text, "/agreement/confirm")}
        assert (await mentor.post(f"{_page(pair)}/agreement/confirm", data=confirm)).status_code == 303
        async with browser(app, db_session, pair.mentee.user) as (mentee, e_token):
            home = await mentee.get(_page(pair))
            assert "Lead a salary talk" in home.text
            confirm = {"csrf_token": e_token, "lock_version": _lock(home.text, "/agreement/confirm")}
            done = await mentee.post(f"{_page(pair)}/agreement/confirm", data=confirm, follow_redirects=True)
            assert "Confirmed by both" in done.text

            home = await mentor.get(_page(pair))
            key = re.search(r"/goals/([0-9a-f]+)/revise", home.text)
            assert key
            revise = {
                "csrf_token": m_token,
                "lock_version": _lock(home.text, f"/goals/{key.group(1)}/revise"),
                "title": "Lead two salary talks",
                "success_criteria": "Two real talks",
                "target_date": "",
                "reason": "",
            }
            no_reason = await mentor.post(f"{_page(pair)}/goals/{key.group(1)}/revise", data=revise)
            assert no_reason.status_code == 422 and "This field is required." in no_reason.text
            revise["reason"] = "The first went well"
            revised = await mentor.post(
                f"{_page(pair)}/goals/{key.group(1)}/revise", data=revise, follow_redirects=True
            )
            assert "Lead two salary talks" in revised.text and "The first went well" in revised.text

            review = await mentee.get(f"{_page(pair)}/reviews/new")
            assert review.status_code == 200 and "I feel heard." in review.text
            answers = {f"score.{k}": "4" for k in STATEMENTS}
            missing = await mentee.post(f"{_page(pair)}/reviews/new", data={"csrf_token": e_token})
            assert missing.status_code == 422 and "Choose a value from 1 to 5." in missing.text
            sent = await mentee.post(
                f"{_page(pair)}/reviews/new",
                data={**answers, "csrf_token": e_token, "change_suggestion": "Meet more", "shared_with_partner": "1"},
                follow_redirects=True,
            )
            assert sent.status_code == 200 and "Your answers" in sent.text and "shared" in sent.text

            # Once both shared, a suggestion can become a new draft of the agreement.
            await mentor.post(
                f"{_page(pair)}/reviews/new",
                data={**answers, "csrf_token": m_token, "change_suggestion": "Video calls", "shared_with_partner": "1"},
            )
            comparison = await mentee.get(f"{_page(pair)}/reviews/comparison")
            assert "Turn this into an agreement change" in comparison.text
            period = re.search(r'name="period" value="(\d+)"', comparison.text)
            assert period
            turned = await mentee.post(
                f"{_page(pair)}/reviews/suggestion",
                data={"csrf_token": e_token, "side": "mentor", "period": period.group(1)},
            )
            assert turned.status_code == 303 and turned.headers["location"].endswith("/agreement/edit")


async def test_outsider_gets_404(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    other = make_pair(db_session, program=pair.program)
    async with browser(app, db_session, other.mentee.user) as (c, _token):
        assert (await c.get(_page(pair))).status_code == 404
        assert (await c.get(f"{_page(pair)}/agreement/edit")).status_code == 404
        assert (await c.get(f"{_page(pair)}/reviews/new")).status_code == 404


async def test_stale_agreement_save_conflicts_and_versions_compare(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        form = await c.get(f"{_page(pair)}/agreement/edit")
        lock = re.search(r'name="lock_version" value="(\d+)"', form.text)
        assert lock
        assert (await _set_terms(c, token, pair, "First words")).status_code == 303
        stale = {"csrf_token": token, "lock_version": lock.group(1), "cadence": "weekly", "format": "video"}
        stale |= {"planned_months": "6", "preferred_channel": "chat", "expected_response_time": "week"}
        conflict = await c.post(f"{_page(pair)}/agreement/edit", data={**stale, "expectations": "Other words"})
        assert conflict.status_code == 409 and "Reload the current version" in conflict.text
        invalid = await _set_terms(c, token, pair, "x" * 2001)
        assert invalid.status_code == 422 and "Enter at most" in invalid.text

        # The page offers no confirm without a goal; a confirm posted anyway is still refused.
        current = re.search(r'name="lock_version" value="(\d+)"', (await c.get(f"{_page(pair)}/agreement/edit")).text)
        assert current
        refused = await c.post(
            f"{_page(pair)}/agreement/confirm", data={"csrf_token": token, "lock_version": current.group(1)}
        )
        assert refused.status_code == 422 and "Add at least one goal" in refused.text
        goal = {"csrf_token": token, "goal.title": "Speak at a meetup"}
        assert (await c.post(f"{_page(pair)}/goals", data=goal)).status_code == 303
        home = await c.get(_page(pair))
        confirm = {"csrf_token": token, "lock_version": _lock(home.text, "/agreement/confirm")}
        assert (await c.post(f"{_page(pair)}/agreement/confirm", data=confirm)).status_code == 303
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        home = await c.get(_page(pair))
        confirm = {"csrf_token": token, "lock_version": _lock(home.text, "/agreement/confirm")}
        assert (await c.post(f"{_page(pair)}/agreement/confirm", data=confirm)).status_code == 303
        assert (await _set_terms(c, token, pair, "Mentee words")).status_code == 303
        versions = await c.get(f"{_page(pair)}/agreement/versions")
        assert versions.status_code == 200 and "Compare with version 1" in versions.text
        diff = await c.get(f"{_page(pair)}/agreement/diff?from=1&to=2")
        assert diff.status_code == 200 and "Mentee: Expectations and needs" in diff.text and "Mentee words" in diff.text


async def test_a_score_must_be_one_of_one_to_five_not_any_part_of_it(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session, started_days_ago=90)  # a review is due
    first, *others = STATEMENTS
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        answers = {f"score.{first}": "12", **{f"score.{k}": "4" for k in others}}
        sent = await c.post(f"{_page(pair)}/reviews/new", data={**answers, "csrf_token": token})
    assert sent.status_code == 422
    assert f'aria-describedby="f-score-{first}-error"' in sent.text  # the answer's own statement is named
    assert not any(f'aria-describedby="f-score-{k}-error"' in sent.text for k in others)
