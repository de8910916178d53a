"""Sharing a library link with one's partner twice (a double click, a second tab, the API called again) made two
identical copies in the pair's links and told the partner twice; now the second answers the first copy."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.engagement.models import Resource
from mentorloom.notifications.models import Notification
from tests.meetings.page_helpers import browser
from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


def _copies(session: Session, mentorship_id: int) -> list[Resource]:
    return list(session.scalars(select(Resource).where(Resource.mentorship_id == mentorship_id)))


def _told(session: Session) -> list[Notification]:
    return list(session.scalars(select(Notification).where(Notification.kind == "resource_shared")))


async def test_sharing_a_library_link_twice_makes_one_copy(
    app: FastAPI, client: httpx.AsyncClient, db_session: Session
) -> None:
    pair = make_pair(db_session)
    library = f"/api/v1/programs/{pair.program.id}/library"
    item = await client.post(library, headers=pair.coord_h, json={"url": "https://example.org/a", "title": "A"})
    assert item.status_code == 201, item.text
    url = f"{pair.base}/resources/from-library/{item.json()['id']}"
    first = await client.post(url, headers=pair.mentee_h)
    again = await client.post(url, headers=pair.mentee_h)
    assert first.status_code == 201 and again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]
    assert [r.id for r in _copies(db_session, pair.mentorship.id)] == [first.json()["id"]]
    assert [n.user_id for n in _told(db_session)] == [pair.mentor.user_id]
    # the page's button, pressed again: still the one copy
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = await c.post(
            f"/programs/{pair.program.id}/library/{item.json()['id']}/share",
            data={"csrf_token": token, "mentorship_id": str(pair.mentorship.id)},
        )
        assert page.status_code == 303, page.text[:300]
    assert len(_copies(db_session, pair.mentorship.id)) == 1 and len(_told(db_session)) == 1
    # the partner may still share the same library link themselves: their own copy, the mentee is told
    theirs = await client.post(url, headers=pair.mentor_h)
    assert theirs.status_code == 201 and theirs.json()["id"] != first.json()["id"]
    assert len(_copies(db_session, pair.mentorship.id)) == 2
