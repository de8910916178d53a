"""The in-app list through the API and the pages: newest first, unread count, marking read, preferences."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlalchemy.orm import Session

from mentorloom.accounts.models import User
from mentorloom.notifications.kinds import get_kind
from mentorloom.notifications.models import DeliveryMode, Notification
from mentorloom.notifications.preferences import mode_for
from mentorloom.notifications.service import notify
from tests.factories import make_token, make_user
from tests.matching.test_views import login

pytestmark = pytest.mark.anyio


def _notify(session: Session, user: User, key: str, partner: str = "Ana") -> Notification:
    entry = notify(
        session,
        user=user,
        kind="agreement_waiting",
        key=key,
        link="/programs/1/mentorships/3",
        partner_name=partner,
        program_name="P",
        version=2,
        mentorship_id=3,
    )
    assert entry is not None
    return entry


async def test_the_api_lists_newest_first_counts_unread_and_marks_read(
    db_session: Session, client: httpx.AsyncClient
) -> None:
    user, other = make_user(db_session), make_user(db_session)
    headers = make_token(db_session, user)
    first, _second, third = (_notify(db_session, user, f"api-{n}", partner=f"P{n}") for n in range(3))
    foreign = _notify(db_session, other, "api-other")
    page = (await client.get("/api/v1/notifications?per_page=2", headers=headers)).json()
    assert [i["id"] for i in page["items"]] == [third.id, _second.id]
    assert (page["total"], page["pages"], page["unread"]) == (3, 2, 3)
    assert page["items"][0]["title"] == "P2 asks you to confirm version 2 of your agreement"
    german = await client.get("/api/v1/notifications", headers={**headers, "accept-language": "de"})
    assert german.json()["items"][0]["title"].startswith("P2 ")
    assert german.json()["items"][0]["title"] != page["items"][0]["title"]  # the reader's language

    read = await client.post(f"/api/v1/notifications/{first.id}/read", headers=headers)
    assert read.status_code == 200 and read.json()["read_at"] is not None
    assert (await client.get("/api/v1/notifications", headers=headers)).json()["unread"] == 2
    assert (await client.post(f"/api/v1/notifications/{foreign.id}/read", headers=headers)).status_code == 404
    done = (await client.post("/api/v1/notifications/read-all", headers=headers)).json()
    assert done == {"marked": 2, "unread": 0}
    db_session.refresh(foreign)
    assert foreign.read_at is None  # nobody else's


async def test_the_api_preferences_change_only_what_is_allowed(db_session: Session, client: httpx.AsyncClient) -> None:
    user = make_user(db_session)
    headers = make_token(db_session, user)
    listed = {p["kind"]: p for p in (await client.get("/api/v1/notifications/preferences", headers=headers)).json()}
    assert listed["agreement_waiting"]["mode"] == "immediately" and not listed["agreement_waiting"]["security"]
    assert listed["password_reset"]["security"] and listed["invitation"]["security"]
    url = "/api/v1/notifications/preferences"
    changed = await client.put(url, json={"preferences": {"agreement_waiting": "daily"}}, headers=headers)
    assert {p["kind"]: p["mode"] for p in changed.json()}["agreement_waiting"] == "daily"
    for bad in ({"password_reset": "off"}, {"no_such_kind": "off"}, {"review_due": "weekly"}):
        refused = await client.put(url, json={"preferences": {"review_due": "off", **bad}}, headers=headers)
        assert refused.status_code == 422, refused.text
    assert mode_for(db_session, user.id, get_kind("review_due")) is DeliveryMode.IMMEDIATELY  # nothing half-written
    problem = (await client.put(url, json={"preferences": {"password_reset": "off"}}, headers=headers)).json()
    assert problem["errors"][0]["field"] == "password_reset"


async def test_the_pages_show_the_count_the_list_and_the_empty_state(
    db_session: Session, client: httpx.AsyncClient
) -> None:
    user = make_user(db_session)
    token = await login(client, db_session, user)
    empty = await client.get("/notifications")
    assert "data-empty" in empty.text and "data-unread" not in empty.text
    entry = _notify(db_session, user, "page-1", partner="Jürgen Weiß")
    _notify(db_session, user, "page-2")
    home = await client.get("/account")
    assert re.search(r'data-unread><span aria-hidden="true">2</span>', home.text)
    listing = await client.get("/notifications")
    assert (
        "Jürgen Weiß asks you to confirm version 2" in listing.text
        and listing.text.count('class="notification unread"') == 2
    )
    opened = await client.get(f"/notifications/{entry.id}/open")
    assert opened.status_code == 303 and opened.headers["location"] == "/programs/1/mentorships/3"
    assert re.search(r'data-unread><span aria-hidden="true">1</span>', (await client.get("/account")).text)
    assert (await client.post("/notifications/read-all", data={"csrf_token": token})).status_code == 303
    assert "data-unread" not in (await client.get("/notifications")).text
    assert (await client.post("/notifications/read-all", data={})).status_code == 403  # the pages keep their CSRF check


async def test_the_preferences_page_saves_and_shows_security_kinds_as_always_on(
    db_session: Session, client: httpx.AsyncClient
) -> None:
    user = make_user(db_session)
    token = await login(client, db_session, user)
    page = await client.get("/notifications/preferences")
    assert 'name="mode.agreement_waiting" value="daily"' in page.text
    assert 'data-kind="password_reset"' in page.text and "data-security" in page.text
    assert 'name="mode.password_reset"' not in page.text
    form = {"csrf_token": token, "mode.agreement_waiting": "off", "mode.review_due": "daily"}
    assert (await client.post("/notifications/preferences", data=form)).status_code == 303
    assert mode_for(db_session, user.id, get_kind("agreement_waiting")) is DeliveryMode.OFF
    assert mode_for(db_session, user.id, get_kind("review_due")) is DeliveryMode.DAILY
    bad = await client.post("/notifications/preferences", data={**form, "mode.password_reset": "off"})
    assert bad.status_code == 422 and "field-error" in bad.text
