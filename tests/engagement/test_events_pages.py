"""The event pages on both databases: empty states, the form's refusals at the field with nothing written, escaped
text, a mentor inviting only their own mentees, answering onto the waiting list with its position, names only for
the organizers, the pair-home card, cancelling after a confirmation, and the link from the program page."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.db import utcnow
from mentorloom.engagement.models import Event, EventInvitation, Rsvp
from tests.engagement.test_events_support import notices
from tests.matching.helpers import coordinator_user
from tests.meetings.page_helpers import browser, field_error
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


def _form(token: str, **changes: str) -> dict[str, str]:
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    form = {
        "csrf_token": token,
        "title": "Workshop: giving feedback",
        "description": "First line\nSecond line",
        "start_day": day,
        "start_time": "18:00",
        "end_day": "",
        "end_time": "20:00",
        "timezone": "Europe/Berlin",
        "location": "Room 4",
        "online_url": "",
        "capacity": "",
        "audience": "invited",
    }
    return form | changes


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Event)) or 0


async def test_empty_states_and_the_link_from_the_program(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    coord = coordinator_user(db_session, pair.program, "Clara Coordinator")
    url = f"/programs/{pair.program.id}/events"
    async with browser(app, db_session, coord) as (c, _token):
        program_page = await c.get(f"/programs/{pair.program.id}")
        assert f'href="{url}"' in program_page.text
        page = await c.get(url)
        assert page.status_code == 200
        assert "Create the first event" in page.text and f'href="{url}/new"' in page.text
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        page = await c.get(url)
        assert "No events yet" in page.text
        assert f'href="{url}/new"' not in page.text
        assert (await c.get(f"{url}/new")).status_code == 404


@pytest.mark.parametrize(
    ("changes", "field_id"),
    [
        ({"end_time": "17:00"}, "f-end_time"),
        ({"timezone": "Nowhere/Atlantis"}, "f-timezone"),
        ({"online_url": "javascript:alert(1)"}, "f-online_url"),
        ({"capacity": "0"}, "f-capacity"),
        ({"capacity": "-1"}, "f-capacity"),
        ({"capacity": "1000000000000"}, "f-capacity"),
        ({"title": ""}, "f-title"),
        ({"start_day": "31.02.2027"}, "f-start_day"),
        ({"start_time": "25:00"}, "f-start_time"),
    ],
)
async def test_the_form_refuses_at_the_field_and_writes_nothing(
    app: FastAPI, db_session: Session, changes: dict[str, str], field_id: str
) -> None:
    pair = make_pair(db_session)
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, token):
        answer = await c.post(f"/programs/{pair.program.id}/events/new", data=_form(token, **changes))
        assert answer.status_code in (400, 403, 422), answer.text[:300]
        assert field_error(answer.text, field_id), (field_id, answer.text[:3000])
        assert html.escape(changes.get("title", "Workshop: giving feedback")) in answer.text  # typed values stay
    assert _count(db_session) == 0


async def test_scripts_render_inert_and_line_breaks_stay(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    coord = coordinator_user(db_session, pair.program)
    evil = "<script>alert('x')</script>"
    async with browser(app, db_session, coord) as (c, token):
        made = await c.post(
            f"/programs/{pair.program.id}/events/new",
            data=_form(token, title=evil, description=f"{evil}\nline two", audience="program"),
        )
        assert made.status_code == 303
        event_url = made.headers["location"]
        for url in (event_url, f"/programs/{pair.program.id}/events"):
            page = await c.get(url)
            assert evil not in page.text
            assert "&lt;script&gt;" in page.text
        page = await c.get(event_url)
        assert 'class="prose"' in page.text and "line two" in page.text


async def test_a_mentor_invites_their_mentee_who_answers_onto_the_waiting_list(
    app: FastAPI, db_session: Session
) -> None:
    pair = make_pair(db_session)
    other = make_pair(db_session, program=pair.program, coordinator_headers=pair.coord_h)
    base = f"/programs/{pair.program.id}/events"
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        made = await c.post(f"{base}/new", data=_form(token, capacity="1", audience="program"))
        assert made.status_code == 303 and made.headers["location"].endswith("/invite")
        event = db_session.scalars(select(Event)).one()
        assert event.audience.value == "invited"  # a mentor's form has no program-wide choice
        url = f"{base}/{event.id}"
        invite_page = await c.get(f"{url}/invite")
        assert pair.mentee.user.display_name in invite_page.text
        assert other.mentee.user.display_name not in invite_page.text
        assert 'name="whole_program"' not in invite_page.text
        refused = await c.post(f"{url}/invite", data={"csrf_token": token, "membership_ids": str(other.mentee.id)})
        assert refused.status_code in (403, 404)
        refused = await c.post(f"{url}/invite", data={"csrf_token": token, "whole_program": "1"})
        assert refused.status_code in (400, 403, 422)
        assert db_session.scalar(select(func.count()).select_from(EventInvitation)) == 0
        ok = await c.post(f"{url}/invite", data={"csrf_token": token, "mentorship_ids": str(pair.mentorship.id)})
        assert ok.status_code == 303
    # a coordinator invites the other pair too; the first mentee takes the only seat, the other waits
    coord = coordinator_user(db_session, pair.program)
    async with browser(app, db_session, coord) as (c, token):
        ok = await c.post(f"{url}/invite", data={"csrf_token": token, "mentorship_ids": str(other.mentorship.id)})
        assert ok.status_code == 303
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        home = await c.get(f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}")
        assert "Upcoming events" in home.text and f'href="{url}"' in home.text
        answered = await c.post(f"{url}/rsvp", data={"csrf_token": token, "answer": "yes"})
        assert answered.status_code == 303
        page = await c.get(url)
        assert "You are coming" in page.text
        assert other.mentee.user.display_name not in page.text  # names only for organizers
    async with browser(app, db_session, other.mentor.user) as (c, token):
        await c.post(f"{url}/rsvp", data={"csrf_token": token, "answer": "yes"})
    async with browser(app, db_session, other.mentee.user) as (c, token):
        await c.post(f"{url}/rsvp", data={"csrf_token": token, "answer": "yes"})
        page = await c.get(url)
        assert "You are number 2 on the waiting list" in page.text
        assert "0 seats left of 1" in page.text
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        await c.post(f"{url}/rsvp", data={"csrf_token": token, "answer": "no"})
    assert len(notices(db_session, "event_seat_freed", other.mentor.user_id)) == 1
    async with browser(app, db_session, pair.mentor.user) as (c, _token):
        page = await c.get(url)
        assert other.mentee.user.display_name in page.text  # the creator sees who answered
        assert "Waiting list, number 1" in page.text
    # someone not invited: 404 on the page and the answer
    outsider = make_pair(db_session, program=pair.program, coordinator_headers=pair.coord_h)
    async with browser(app, db_session, outsider.mentee.user) as (c, token):
        assert (await c.get(url)).status_code == 404
        assert (await c.post(f"{url}/rsvp", data={"csrf_token": token, "answer": "yes"})).status_code == 404
    rows = db_session.scalar(select(func.count()).select_from(Rsvp).where(Rsvp.event_id == event.id))
    assert rows == 3


async def test_edit_and_cancel_after_confirming(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    coord = coordinator_user(db_session, pair.program)
    base = f"/programs/{pair.program.id}/events"
    async with browser(app, db_session, coord) as (c, token):
        made = await c.post(f"{base}/new", data=_form(token, audience="program"))
        url = made.headers["location"]
        form = await c.get(f"{url}/edit")
        assert 'value="Workshop: giving feedback"' in form.text and 'value="18:00"' in form.text
        changed = await c.post(
            f"{url}/edit",
            data=_form(token, title="Workshop (moved)", start_time="19:00", end_time="21:00", audience="program"),
        )
        assert changed.status_code == 303
        assert len(notices(db_session, "event_updated", pair.mentee.user_id)) == 1
        unconfirmed = await c.post(f"{url}/cancel", data={"csrf_token": token})
        assert unconfirmed.status_code == 422 and "Tick the box" in unconfirmed.text
        assert db_session.scalars(select(Event)).one().cancelled_at is None
        done = await c.post(f"{url}/cancel", data={"csrf_token": token, "confirm": "1"})
        assert done.status_code == 303
        page = await c.get(url)
        assert "Cancelled" in page.text and "Yes, I am coming" not in page.text
    assert len(notices(db_session, "event_cancelled", pair.mentee.user_id)) == 1
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        assert (await c.get(f"{url}/edit")).status_code == 404
        refused = await c.post(f"{url}/rsvp", data={"csrf_token": token, "answer": "yes"})
        assert refused.status_code == 409
