"""What people see on the mentorship pages: errors they can find, readable dates, labels that keep their case."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_user
from tests.mentorships.helpers import Pair, make_pair
from tests.mentorships.test_views import _page, _set_terms, browser

pytestmark = pytest.mark.anyio


async def _dated_goal_changed(client: httpx.AsyncClient, pair: Pair) -> None:
    """Version 1 with a goal due 18 July 2027, confirmed by both; version 2 moves it to 18 March 2027."""
    goal = await client.post(
        f"{pair.base}/goals", headers=pair.mentee_h, json={"title": "Lead a team", "target_date": "2027-07-18"}
    )
    assert goal.status_code == 201, goal.text
    for headers in (pair.mentor_h, pair.mentee_h):
        lock = (await client.get(f"{pair.base}/agreement", headers=headers)).json()["lock_version"]
        await client.post(f"{pair.base}/agreement/confirm", headers=headers, json={"lock_version": lock})
    revised = await client.post(
        f"{pair.base}/goals/{goal.json()['key']}/revisions",
        headers=pair.mentee_h,
        json={"lock_version": goal.json()["lock_version"], "target_date": "2027-03-18", "reason": "Earlier start"},
    )
    assert revised.status_code == 201, revised.text


async def test_form_errors_are_summed_up_and_focused_where_the_form_is(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        form = await c.get(f"{_page(pair)}/agreement/edit")
        # The duration cannot be left empty, so it is marked like every other required field.
        assert re.search(r'for="f-planned_months">[^<]*<span class="req"', form.text)
        assert re.search(r'<input type="number" id="f-planned_months"[^>]* required', form.text)
        assert "data-autofocus" not in form.text

        lock = re.search(r'name="lock_version" value="(\d+)"', form.text)
        assert lock
        empty = await c.post(
            f"{_page(pair)}/agreement/edit",
            data={"csrf_token": token, "lock_version": lock.group(1), "cadence": "weekly", "planned_months": ""},
        )
        assert empty.status_code == 422 and "Nothing was saved yet." in empty.text
        assert empty.text.count("data-autofocus") == 1
        assert "The goal was not added yet." not in empty.text

        bad_goal = await c.post(f"{_page(pair)}/goals", data={"csrf_token": token, "goal.title": "x" * 201})
        assert bad_goal.status_code == 422 and bad_goal.text.count("data-autofocus") == 1
        summary = re.search(
            r'<p class="alert alert-error" role="alert" tabindex="-1" data-autofocus>(.*?)</p>', bad_goal.text, re.S
        )
        assert summary and "The goal was not added yet." in summary.group(1)
        # The summary sits in the goal's card, next to its form, not at the top of the page.
        assert (
            bad_goal.text.index('id="new-goal"')
            < summary.start()
            < bad_goal.text.index('action="' + _page(pair) + '/goals"')
        )
        assert "Nothing was saved yet." not in bad_goal.text


async def test_diff_shows_dates_in_the_readers_language_and_stacks_on_phones(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    await _dated_goal_changed(client, pair)
    api = await client.get(f"{pair.base}/agreement/diff", headers=pair.mentor_h, params={"from": 1, "to": 2})
    # The API keeps ISO dates; only the page shows them in the reader's language.
    dates = [(c["before"], c["after"]) for c in api.json()["changes"] if c["field"].endswith(".target_date")]
    assert dates == [("2027-07-18", "2027-03-18")]
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        diff = await c.get(f"{_page(pair)}/agreement/diff?from=1&to=2")
        assert diff.status_code == 200
        assert "Jul 18, 2027" in diff.text and "Mar 18, 2027" in diff.text and "2027-07-18" not in diff.text
        assert '<table class="ms-diff stack-table">' in diff.text
        assert 'class="ms-before" data-label="Version 1"' in diff.text
        assert 'class="ms-after" data-label="Version 2"' in diff.text
        c.cookies.set("ml_lang", "de")
        german = await c.get(f"{_page(pair)}/agreement/diff?from=1&to=2")
        assert "18.07.2027" in german.text and "18.03.2027" in german.text


async def test_names_and_titles_keep_their_case_and_badges_are_capitalised(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await _set_terms(c, token, pair, "Help with negotiation")).status_code == 303
        await c.post(f"{_page(pair)}/goals", data={"csrf_token": token, "goal.title": "Straße überqueren"})
        listing = await c.get(f"/programs/{pair.program.id}/mentorships")
        # Upper-casing a name changes it ("Weiß" → "WEISS"): names sit in a heading that keeps their case.
        assert re.search(r'<h2 class="item-title"><a href="[^"]+">\s*With Mentee Moritz', listing.text)
        assert '<span class="badge ms-active">Active</span>' in listing.text
        home = await c.get(_page(pair))
        assert '<h3 class="item-title">Straße überqueren</h3>' in home.text
        assert re.search(r'<h3 class="item-title">Mentor: Mentor Marta', home.text)
        assert '<span class="badge ms-active">Active</span>' in home.text
        c.cookies.set("ml_lang", "de")
        assert '<span class="badge ms-active">Aktiv</span>' in (await c.get(_page(pair))).text

    paused = await client.post(f"{pair.base}/pause", headers=pair.mentee_h, json={"reason": "Exams"})
    assert paused.status_code == 200
    # Inside a sentence the state stays lower case.
    again = await client.post(f"{pair.base}/pause", headers=pair.mentor_h, json={})
    assert again.json()["detail"] == "A mentorship that is paused cannot become paused."
    coord = make_user(db_session, name="Clara Coordinator")
    add_member(db_session, pair.program, coord, Role.COORDINATOR)
    async with browser(app, db_session, coord) as (c, _token):
        history = await c.get(_page(pair))
        assert history.status_code == 200 and "Active → Paused" in history.text
