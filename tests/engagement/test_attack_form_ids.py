"""Attacks on the pages' id fields: "²" is a digit to `str.isdigit` but no number to `int`; every such field
answers 4xx (or ignores the value), never 500, and writes nothing."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement.models import EventInvitation, Message, Resource
from tests.engagement.test_events_support import event_body
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


async def test_superscript_digits_in_invite_form_are_no_server_error(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    created = await client.post(f"/api/v1/programs/{pair.program.id}/events", headers=pair.mentor_h, json=event_body())
    assert created.status_code == 201, created.text
    event_id = created.json()["id"]
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        for field in ("membership_ids", "mentorship_ids"):
            answer = await c.post(
                f"/programs/{pair.program.id}/events/{event_id}/invite", data={"csrf_token": token, field: "²"}
            )
            assert answer.status_code < 500, answer.text
            assert answer.status_code in (400, 404, 422)
    count = db_session.scalar(select(func.count()).select_from(EventInvitation))
    assert count == 0


async def test_superscript_digits_in_library_share_are_no_server_error(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    item = Resource(program_id=pair.program.id, url="https://example.org/lib", title="Library item")
    db_session.add(item)
    db_session.flush()
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        for raw in ("²", "¹²", "٣", "2147483648", "9999999999"):  # beyond 32 bits: PostgreSQL refused it (500)
            answer = await c.post(
                f"/programs/{pair.program.id}/library/{item.id}/share",
                data={"csrf_token": token, "mentorship_id": raw},
            )
            assert answer.status_code in (404, 422), (raw, answer.status_code, answer.text[:300])
    copies = db_session.scalar(select(func.count()).select_from(Resource).where(Resource.mentorship_id.is_not(None)))
    assert copies == 0


async def test_superscript_digits_in_message_after_id_are_no_server_error(app: FastAPI, db_session: Session) -> None:
    pair = make_pair(db_session)
    url = f"/programs/{pair.program.id}/mentorships/{pair.mentorship.id}/messages"
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        answer = await c.post(
            url, data={"csrf_token": token, "body": "Hello", "after_id": "²"}, headers={"HX-Request": "true"}
        )
        assert answer.status_code == 200, answer.text[:300]
        assert "Hello" in answer.text
    sent = db_session.scalar(
        select(func.count()).select_from(Message).where(Message.mentorship_id == pair.mentorship.id)
    )
    assert sent == 1
