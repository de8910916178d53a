"""The resources pages: the pair's links (empty state, share, refusals at the field, edit, delete after a
confirmation), the library (search, tag chips, pages, coordinators curate, participants share an item), the card
on the pair home, escaping, and who may open what."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mentorloom.engagement import resources
from mentorloom.engagement.models import Resource
from mentorloom.engagement.resources import ResourceFields
from mentorloom.mentorships.models import Side
from mentorloom.programs.models import Role
from mentorloom.programs.service import add_member
from tests.factories import make_program, make_user
from tests.meetings.page_helpers import ServicePair, browser, service_pair

pytestmark = pytest.mark.anyio

SCRIPT = "<script>alert(1)</script>"


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(Resource)) or 0


def _links(pair: ServicePair) -> str:
    return f"{pair.home}/resources"


def _library(pair: ServicePair) -> str:
    return f"/programs/{pair.program.id}/library"


def _form(token: str, **fields: str) -> dict[str, str]:
    return {"csrf_token": token, "url": "https://example.org/a", "title": "Negotiation guide", "why": "", **fields}


def _coordinator(session: Session, pair: ServicePair) -> Any:
    user = make_user(session, name="Clara Coordination")
    add_member(session, pair.program, user, Role.COORDINATOR)
    return user


async def test_the_empty_page_says_what_to_share(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        page = await c.get(_links(pair))
        assert page.status_code == 200
        assert "Nothing shared yet" in page.text and "Share a link" in page.text
        assert f'href="{_library(pair)}"' in page.text and f'href="{pair.home}"' in page.text
        home = await c.get(pair.home)
        assert 'id="resources"' in home.text and "Share an article" in home.text
        assert f'href="{_links(pair)}#share"' in home.text


async def test_share_edit_and_delete_through_the_pages(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    goal = next(iter(resources.goal_titles(db_session, pair.mentorship)))
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        shared = await c.post(
            _links(pair), data=_form(token, why="Before June", goal_key=goal, tags="Gehalt, karriere ,GEHALT")
        )
        assert shared.status_code == 303, shared.text
        item = db_session.scalars(select(Resource)).one()
        page = await c.get(_links(pair))
        assert "Negotiation guide" in page.text and "Give a talk at the conference" in page.text
        assert re.search(r'rel="noopener noreferrer nofollow" target="_blank"', page.text)
        assert f"{_links(pair)}/{item.id}/edit" in page.text
        edited = await c.post(f"{_links(pair)}/{item.id}/edit", data=_form(token, title="Better guide", tags=""))
        assert edited.status_code == 303
        confirm = await c.get(f"{_links(pair)}/{item.id}/delete")
        assert confirm.status_code == 200 and "Delete the link?" in confirm.text and "Better guide" in confirm.text
        assert _count(db_session) == 1
        gone = await c.post(f"{_links(pair)}/{item.id}/delete", data={"csrf_token": token})
        assert gone.status_code == 303 and _count(db_session) == 0
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        assert "Nothing shared yet" in (await c.get(_links(pair))).text


async def test_the_partner_sees_but_does_not_change(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    item = resources.share(db_session, pair.seat(Side.MENTOR), ResourceFields("https://example.org/x", "Mine", ""))
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = await c.get(_links(pair))
        assert "Mine" in page.text and f"{item.id}/edit" not in page.text
        assert (await c.get(f"{_links(pair)}/{item.id}/edit")).status_code == 403
        assert (await c.post(f"{_links(pair)}/{item.id}/delete", data={"csrf_token": token})).status_code == 403
    assert _count(db_session) == 1


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"url": "javascript:alert(1)"}, "url", "starts with http:// or https://"),
        ({"url": "https://user:pw@example.org"}, "url", "user name or password"),
        ({"title": ""}, "title", "This field is required."),
        ({"tags": ",".join(f"t{i}" for i in range(11))}, "tags", "at most 10 tags"),
    ],
)
async def test_a_refusal_is_shown_at_the_field_and_nothing_is_written(
    app: FastAPI, db_session: Session, fields: dict[str, str], field: str, message: str
) -> None:
    pair = service_pair(db_session)
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        refused = await c.post(_links(pair), data=_form(token, **fields))
        assert refused.status_code == 422
        error = re.search(rf'id="f-{field}-error"[^>]*>([^<]*)<', refused.text)
        assert error and message in html.unescape(error.group(1)), refused.text[:2000]
        assert 'value="Negotiation guide"' in refused.text or field == "title"  # what was typed stays
    assert _count(db_session) == 0


async def test_a_script_renders_inert_everywhere(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    coordinator = _coordinator(db_session, pair)
    fields = ResourceFields(f"https://example.org/?q={SCRIPT}", SCRIPT, SCRIPT, tags=[SCRIPT])
    resources.share(db_session, pair.seat(Side.MENTOR), fields)
    resources.add_to_library(db_session, pair.program, coordinator, fields)
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        for path in (_links(pair), _library(pair), pair.home, f"{_library(pair)}?q=alert&tag={SCRIPT}"):
            page = await c.get(path)
            assert page.status_code == 200, path
            assert SCRIPT not in page.text and "&lt;script&gt;" in page.text, path


async def test_the_library_searches_filters_and_pages(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    coordinator = _coordinator(db_session, pair)
    for i in range(23):
        tags = ["gehalt"] if i % 2 else ["karriere"]
        title = "Gehaltsverhandlung" if i == 7 else f"Artikel {i}"
        resources.add_to_library(
            db_session, pair.program, coordinator, ResourceFields(f"https://e.org/{i}", title, "", tags=tags)
        )
    async with browser(app, db_session, pair.mentee.user) as (c, _token):
        first = await c.get(_library(pair))
        assert "23 links" in first.text and "Page 1 of 2" in first.text and 'rel="next"' in first.text
        assert "/new" not in first.text  # participants do not curate
        assert 'href="/programs/' in first.text and "?tag=karriere" in first.text
        second = await c.get(_library(pair), params={"page": 2})
        assert "Artikel 0" in second.text
        found = await c.get(_library(pair), params={"q": "Gehalt"})
        assert "Gehaltsverhandlung" in found.text and "Artikel 3" in found.text and "Artikel 4" not in found.text
        chips = await c.get(_library(pair), params={"tag": "karriere"})
        assert "12 links" in chips.text and 'aria-current="true"' in chips.text
        nothing = await c.get(_library(pair), params={"q": 'NEAR "giraffe*'})
        assert nothing.status_code == 200 and "Nothing in the library matches" in nothing.text
        # share an item with the partner
        item = db_session.scalars(select(Resource).where(Resource.title == "Gehaltsverhandlung")).one()
        assert f"{_library(pair)}/{item.id}/share" in first.text + second.text


async def test_a_participant_shares_from_the_library(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    coordinator = _coordinator(db_session, pair)
    item = resources.add_to_library(db_session, pair.program, coordinator, ResourceFields("https://e.org", "Guide", ""))
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = await c.get(_library(pair))
        assert "Share with Ana Mentor" in page.text
        shared = await c.post(
            f"{_library(pair)}/{item.id}/share", data={"csrf_token": token, "mentorship_id": str(pair.mentorship.id)}
        )
        assert shared.status_code == 303 and shared.headers["location"].startswith(_links(pair))
    assert _count(db_session) == 2


async def test_coordinators_curate_the_library_and_cannot_open_the_pairs_links(
    app: FastAPI, db_session: Session
) -> None:
    pair = service_pair(db_session)
    coordinator = _coordinator(db_session, pair)
    async with browser(app, db_session, coordinator) as (c, token):
        empty = await c.get(_library(pair))
        assert "The library is still empty" in empty.text and "Add the first link" in empty.text
        assert (await c.get(f"{_library(pair)}/new")).status_code == 200
        bad = await c.post(f"{_library(pair)}/new", data=_form(token, url="data:text/html,x"))
        assert bad.status_code == 422 and _count(db_session) == 0
        added = await c.post(f"{_library(pair)}/new", data=_form(token, tags="feedback"))
        assert added.status_code == 303
        item = db_session.scalars(select(Resource)).one()
        assert item.mentorship_id is None
        edit = await c.get(f"{_library(pair)}/{item.id}/edit")
        assert edit.status_code == 200 and 'value="feedback"' in edit.text
        saved = await c.post(f"{_library(pair)}/{item.id}/edit", data=_form(token, title="Renamed"))
        assert saved.status_code == 303
        confirm = await c.get(f"{_library(pair)}/{item.id}/delete")
        assert "Renamed" in confirm.text and "Copies that pairs shared" in confirm.text
        removed = await c.post(f"{_library(pair)}/{item.id}/delete", data={"csrf_token": token})
        assert removed.status_code == 303 and _count(db_session) == 0
        assert (await c.get(_links(pair))).status_code == 403
        assert (await c.post(_links(pair), data=_form(token))).status_code == 403
        home = await c.get(pair.home)
        assert 'id="resources"' not in home.text


async def test_participants_and_outsiders_are_refused(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    coordinator = _coordinator(db_session, pair)
    item = resources.add_to_library(db_session, pair.program, coordinator, ResourceFields("https://e.org", "Guide", ""))
    async with browser(app, db_session, pair.mentor.user) as (c, token):
        assert (await c.get(f"{_library(pair)}/new")).status_code == 403
        assert (await c.post(f"{_library(pair)}/new", data=_form(token))).status_code == 403
        assert (await c.post(f"{_library(pair)}/{item.id}/delete", data={"csrf_token": token})).status_code == 403
    other = service_pair(db_session, names=("Olga Other", "Otto Other"), program=make_program(db_session, name="B"))
    async with browser(app, db_session, other.mentor.user) as (c, token):
        assert (await c.get(_library(pair))).status_code == 404
        assert (await c.get(_links(pair))).status_code == 404
        shared = await c.post(
            f"{_library(pair)}/{item.id}/share", data={"csrf_token": token, "mentorship_id": str(pair.mentorship.id)}
        )
        assert shared.status_code == 404
    assert _count(db_session) == 1


async def test_the_pages_in_german(app: FastAPI, db_session: Session) -> None:
    pair = service_pair(db_session)
    pair.mentee.user.locale = "de"
    db_session.flush()
    async with browser(app, db_session, pair.mentee.user) as (c, token):
        page = await c.get(_links(pair))
        assert "Geteilte Links" in page.text and "Noch nichts geteilt" in page.text and "Ihr Gegenüber" in page.text
        refused = await c.post(_links(pair), data=_form(token, url="ftp://example.org"))
        assert "mit http:// oder https:// beginnt" in html.unescape(refused.text)
        library = await c.get(_library(pair))
        assert "Die Bibliothek ist noch leer" in library.text
        home = await c.get(pair.home)
        assert "Artikel teilen" in home.text
