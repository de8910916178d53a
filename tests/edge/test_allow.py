"""A 405 names every method its URL answers (RFC 9110 `Allow`), for the API and for pages alike."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy.orm import Session

from tests.mentorships.helpers import make_pair

pytestmark = pytest.mark.anyio


async def test_allow_lists_the_methods_of_every_route_at_the_url(client: httpx.AsyncClient) -> None:
    """GET, POST and DELETE of the calendar feed are three routes; Starlette named only the first one's."""
    response = await client.request("PATCH", "/api/v1/account/calendar-feed")
    assert response.status_code == 405
    assert response.headers["allow"] == "DELETE, GET, POST"
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_word_after_messages_is_no_message_id(client: httpx.AsyncClient, db_session: Session) -> None:
    """DELETE …/messages/unread reached the {message_id} route and answered 422; it is a 405 now."""
    pair = make_pair(db_session)
    response = await client.delete(f"{pair.base}/messages/unread", headers=pair.mentee_h)
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


async def test_the_goal_timeline_is_no_goal_key(client: httpx.AsyncClient, db_session: Session) -> None:
    pair = make_pair(db_session)
    response = await client.patch(f"{pair.base}/goals/timeline", headers=pair.mentee_h, json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"


async def test_a_page_names_its_methods_too(client: httpx.AsyncClient) -> None:
    response = await client.request("PUT", "/login")
    assert response.status_code == 405
    assert set(response.headers["allow"].split(", ")) >= {"GET", "POST"}
    assert "text/html" in response.headers["content-type"]


async def test_static_files_name_get_and_head(client: httpx.AsyncClient) -> None:
    response = await client.post("/static/favicon.svg")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
