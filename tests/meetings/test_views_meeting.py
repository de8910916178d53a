"""One meeting's page: move, cancel after confirming, did it take place, agenda, shared notes (a stale save keeps
the typed text), action items carried over, goal progress, the private note and feedback both ways."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.dates import local, use_timezone
from mentorloom.db import utcnow
from mentorloom.meetings.models import AgendaItem, Meeting, MeetingFeedback, MeetingStatus, PrivateNote
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_user
from tests.meetings.page_helpers import ServicePair, browser, field_error, meeting_ids, plan_form, service_pair

pytestmark = pytest.mark.anyio


async def _planned(c: httpx.AsyncClient, token: str, pair: ServicePair) -> list[int]:
    """Plan the weekly series; the ids of its first meetings as the list links them."""
    assert (await c.post(f"{pair.meetings}/plan", data=plan_form(token))).status_code == 303
    return meeting_ids((await c.get(pair.meetings)).text)


async def _yesterday(c: httpx.AsyncClient, token: str, pair: ServicePair) -> str:
    """A meeting that took place yesterday at 18:00 (Berlin), recorded afterwards; its page's URL."""
    with use_timezone("Europe/Berlin"):
        day = local(utcnow() - timedelta(days=1)).date().isoformat()
    form = {"csrf_token": token, "add.day": day, "add.time": "18:00", "add.duration_minutes": "60"}
    added = await c.post(f"{pair.meetings}/add", data=form | {"add.format": "video"})
    assert added.status_code == 303, added.text
    return str(added.headers["location"]).split("#")[0]


def _count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


async def test_move_then_cancel_after_a_confirmation(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        first = (await _planned(c, token, pair))[0]
        url = f"{pair.meetings}/{first}"
        page = await c.get(url)
        day = re.search(r'id="f-move-day" name="move.day" value="([^"]+)"', page.text)
        assert day and 'name="move.time" value="18:00"' in page.text  # the form opens at the meeting's time
        moved = await c.post(f"{url}/move", data={"csrf_token": token, "move.day": day.group(1), "move.time": "19:30"})
        assert moved.status_code == 303
        assert "7:30\u202fPM" in (await c.get(url)).text
        confirm = await c.get(f"{url}/cancel")
        assert "Cancel this meeting?" in confirm.text and f'action="{url}/cancel"' in confirm.text
        assert db_session.get(Meeting, first).status is MeetingStatus.SCHEDULED  # asking cancels nothing
        done = await c.post(f"{url}/cancel", data={"csrf_token": token})
        assert done.status_code == 303 and done.headers["location"] == pair.meetings
        listing = await c.get(pair.meetings)
        row = re.search(rf'<a href="{url}" class="meeting-when"><s>[^<]+</s></a>', listing.text)
        assert row and "Cancelled" in listing.text
        again = await c.post(f"{url}/cancel", data={"csrf_token": token})
        assert again.status_code == 409 and "already cancelled" in again.text


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"move.time": "7 pm"}, "f-move-time", "Enter a time such as 09:30."),
        ({"move.day": "2031-05-06"}, "f-move-day", "Choose a day from"),
        ({"move.duration_minutes": "600"}, "f-move-duration_minutes", "Enter a number of at most 480."),
    ],
)
async def test_a_refused_move_shows_the_message_at_its_field(
    app: FastAPI, db_session: Session, change: dict[str, str], field: str, message: str
) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        first = (await _planned(c, token, pair))[0]
        before = db_session.get(Meeting, first)
        assert before is not None
        start = before.starts_at
        form = {"csrf_token": token, "move.day": "", "move.time": "18:00"} | change
        if not form["move.day"]:
            form["move.day"] = (utcnow() + timedelta(days=3)).date().isoformat()
        refused = await c.post(f"{pair.meetings}/{first}/move", data=form)
    assert refused.status_code == 422
    assert message in field_error(refused.text, field)
    assert f'value="{next(iter(change.values()))}"' in refused.text
    db_session.expire_all()
    assert db_session.get(Meeting, first).starts_at == start  # type: ignore[union-attr]


async def test_agenda_both_add_only_the_author_removes(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        url = f"{pair.meetings}/{(await _planned(c, token, pair))[0]}"
        added = await c.post(f"{url}/agenda", data={"csrf_token": token, "agenda.text": "My promotion"})
        assert added.status_code == 303 and added.headers["location"] == f"{url}#agenda"
        huge = await c.post(f"{url}/agenda", data={"csrf_token": token, "agenda.text": "x" * 50_000})
        assert huge.status_code == 422
        assert "Enter at most 1,000 characters." in field_error(huge.text, "f-agenda-text")
    item = db_session.scalars(select(AgendaItem)).one()
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = await c.get(url)
        assert "My promotion" in page.text and f"/agenda/{item.id}/remove" not in page.text
        refused = await c.post(f"{url}/agenda/{item.id}/remove", data={"csrf_token": token})
        assert refused.status_code == 403 and "Only its author removes" in refused.text
        await c.post(f"{url}/agenda", data={"csrf_token": token, "agenda.text": "Salary talk"})
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await c.post(f"{url}/agenda/{item.id}/remove", data={"csrf_token": token})).status_code == 303
        page = await c.get(url)
    assert "My promotion" not in page.text and "Salary talk" in page.text
    assert _count(db_session, AgendaItem) == 1


async def test_notes_render_markdown_and_a_stale_save_keeps_the_typed_text(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        url = f"{pair.meetings}/{(await _planned(c, token, pair))[0]}"
        notes = "# Plan\n- **talk** first\n<script>alert(1)</script>"
        form = {"csrf_token": token, "notes.notes": notes, "notes.notes_version": "0"}
        assert (await c.post(f"{url}/notes", data=form)).status_code == 303
        page = await c.get(url)
        assert "<h3>Plan</h3>" in page.text and "<strong>talk</strong>" in page.text
        assert "<script>alert(1)</script>" not in page.text  # escaped, never run in the partner's browser
        assert 'name="notes.notes_version" value="1"' in page.text
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        form = {"csrf_token": token, "notes.notes": "Ben's own summary", "notes.notes_version": "0"}
        stale = await c.post(f"{url}/notes", data=form)
    assert stale.status_code == 409
    assert "Your partner changed the notes meanwhile" in stale.text
    assert "<strong>talk</strong>" in stale.text  # Ana's version, to merge
    assert "Ben&#39;s own summary</textarea>" in stale.text  # what Ben typed is still there
    assert 'name="notes.notes_version" value="1"' in stale.text  # saving again now overwrites on purpose
    db_session.expire_all()
    assert db_session.scalars(select(Meeting.notes).where(Meeting.notes != "")).one() == notes


async def test_action_items_carried_over_and_ticked_off(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        first, second = (await _planned(c, token, pair))[:2]
        url = f"{pair.meetings}/{first}"
        bad = {"csrf_token": token, "action.title": "Draft slides", "action.owner": "mentee", "action.due_on": "soon"}
        refused = await c.post(f"{url}/action-items", data=bad)
        assert refused.status_code == 422
        assert "Enter a date as YYYY-MM-DD." in field_error(refused.text, "f-action-due_on")
        due = (utcnow() + timedelta(days=20)).date().isoformat()
        assert (await c.post(f"{url}/action-items", data=bad | {"action.due_on": due})).status_code == 303
        here = await c.get(url)
        assert "Draft slides" in here.text and "Ben Mentee" in here.text
        later = await c.get(f"{pair.meetings}/{second}")
        assert "Carried over from earlier meetings" in later.text and "Draft slides" in later.text
        item = re.search(r"/action-items/(\d+)/done", later.text)
        assert item
        done = await c.post(
            f"{pair.meetings}/{second}/action-items/{item.group(1)}/done", data={"csrf_token": token, "done": "1"}
        )
        assert done.status_code == 303
        later = await c.get(f"{pair.meetings}/{second}")
    assert "Carried over from earlier meetings" not in later.text


async def test_a_private_note_is_never_shown_to_the_partner(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    secret = "I worry the goal is too big"
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        url = f"{pair.meetings}/{(await _planned(c, token, pair))[0]}"
        saved = await c.post(f"{url}/private-note", data={"csrf_token": token, "private.text": secret})
        assert saved.status_code == 303
        assert secret in (await c.get(url)).text
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        for path in (url, pair.meetings, pair.home):
            assert secret not in (await c.get(path)).text
    coordinator = make_user(db_session, name="Clara Coordinator")
    add_member(db_session, pair.program, coordinator, Role.COORDINATOR)
    async with browser(app, db_session, coordinator) as (c, _token):
        assert (await c.get(url)).status_code == 403
        assert secret not in (await c.get(pair.home)).text
    assert _count(db_session, PrivateNote) == 1


async def test_took_place_then_feedback_both_ways(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        url = await _yesterday(c, token, pair)
        page = await c.get(url)
        assert "Did this meeting take place?" in page.text and 'id="feedback"' not in page.text
        early = await c.post(f"{url}/feedback", data={"csrf_token": token, "feedback.usefulness": "4"})
        assert early.status_code == 409 and "Feedback follows a meeting that took place." in early.text
        moved = await c.post(f"{url}/outcome", data={"csrf_token": token, "outcome.outcome": "moved"})
        assert moved.status_code == 422
        assert "Enter a date as YYYY-MM-DD." in field_error(moved.text, "f-outcome-day")
        held = await c.post(f"{url}/outcome", data={"csrf_token": token, "outcome.outcome": "held"})
        assert held.status_code == 303 and held.headers["location"] == f"{url}#feedback"
        empty = await c.post(f"{url}/feedback", data={"csrf_token": token, "feedback.went_well": "Clear plan"})
        assert empty.status_code == 422
        assert "Choose how useful the meeting was" in field_error(empty.text, "f-feedback-usefulness")
        assert "Clear plan</textarea>" in empty.text
        form = {
            "csrf_token": token,
            "feedback.usefulness": "4",
            "feedback.went_well": "Clear plan",
            "feedback.to_change": "",
            "feedback.visibility": "partner",
        }
        assert (await c.post(f"{url}/feedback", data=form)).status_code == 303
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = html.unescape((await c.get(url)).text)
        assert "Ana Mentor found the meeting 4 of 5 useful." in page and "Clear plan" in page
        form = {
            "csrf_token": token,
            "feedback.usefulness": "2",
            "feedback.went_well": "",
            "feedback.to_change": "Less talking at me",
            "feedback.visibility": "private",
        }
        assert (await c.post(f"{url}/feedback", data=form)).status_code == 303
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        page = await c.get(url)
        home = await c.get(pair.home)
    assert "Less talking at me" not in page.text and "found the meeting 2 of 5" not in page.text
    assert _count(db_session, MeetingFeedback) == 2
    assert 'class="sparkline"' in home.text and "Your last scores: 4." in home.text  # Ben's private 2 stays out


async def test_goal_progress_from_the_meeting(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        url = f"{pair.meetings}/{(await _planned(c, token, pair))[0]}"
        page = await c.get(url)
        key = re.search(r"/goals/([0-9a-f]+)/progress", page.text)
        assert key and "Give a talk at the conference" in page.text
        name = f"goal-{key.group(1)}."
        bad = await c.post(f"{url}/goals/{key.group(1)}/progress", data={"csrf_token": token, f"{name}progress": "140"})
        assert bad.status_code == 422
        assert "Enter a number of at most 100." in field_error(bad.text, f"f-goal-{key.group(1)}-progress")
        form = {"csrf_token": token, f"{name}progress": "40", f"{name}note": "First outline done"}
        done = await c.post(f"{url}/goals/{key.group(1)}/progress", data=form)
        assert done.status_code == 303 and done.headers["location"] == f"{url}#goals"
        assert "40 %" in (await c.get(url)).text
        assert "40 %" in (await c.get(pair.home)).text  # the same progress as the goal's own page records
