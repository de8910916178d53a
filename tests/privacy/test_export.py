"""The personal data export: a zip with JSON and a readable page, the person's own words (private ones too),
what the partner shared, and never the partner's private items, the coordination's notes or a password hash."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from mentorloom.audit.models import AuditEvent
from mentorloom.mentorships.models import Side
from tests.factories import make_token, set_password
from tests.matching.test_views import login
from tests.privacy.helpers import World, build_world

pytestmark = pytest.mark.anyio


def unzip(body: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name).decode() for name in archive.namelist()}


def assert_only_readable(world: World, side: Side, files: dict[str, str]) -> None:
    everything = "\n".join(files.values())
    me, partner = side.value, (Side.MENTEE if side is Side.MENTOR else Side.MENTOR).value
    for marker in world.of(me) + world.of(partner, private=False) + world.of("pair"):
        assert marker in files["mentorloom-data.json"], marker
        assert marker in files["mentorloom-data.html"], marker
    for marker in world.of(partner, private=True) + world.of("coordinator"):
        assert marker not in everything, marker


async def test_the_zip_holds_own_words_and_shared_ones_never_the_partners_private_ones(
    client: httpx.AsyncClient, db_session: Session
) -> None:
    world = build_world(db_session)
    for side in Side:
        await _check_export(client, db_session, world, side)


async def _check_export(client: httpx.AsyncClient, db_session: Session, world: World, side: Side) -> None:
    user = world.user_of(side)
    set_password(db_session, user)
    response = await client.get("/api/v1/me/export", headers=make_token(db_session, user))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    files = unzip(response.content)
    assert set(files) == {"mentorloom-data.json", "mentorloom-data.html"}
    assert_only_readable(world, side, files)
    everything = "\n".join(files.values())
    assert "argon2" not in everything and "password" not in everything and "token_hash" not in everything
    assert world.user_of(Side.MENTEE if side is Side.MENTOR else Side.MENTOR).email not in everything
    data = json.loads(files["mentorloom-data.json"])
    assert data["format"] == "mentorloom-personal-data" and data["format_version"] == 1
    assert data["account"]["email"] == user.email
    [mentorship] = data["mentorships"]
    assert mentorship["my_side"] == side.value
    assert mentorship["partner_name"] == world.user_of(Side.MENTEE if side is Side.MENTOR else Side.MENTOR).display_name
    html = files["mentorloom-data.html"]
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained


async def test_every_export_is_audited(client: httpx.AsyncClient, db_session: Session) -> None:
    world = build_world(db_session)
    headers = make_token(db_session, world.mentee)
    for _ in range(2):
        assert (await client.get("/api/v1/me/export", headers=headers)).status_code == 200
    events = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action == "data_exported", AuditEvent.actor_user_id == world.mentee.id)
    ).all()
    assert len(events) == 2 and all(e.target_id == world.mentee.id for e in events)


async def test_the_page_download_is_the_same_export(client: httpx.AsyncClient, db_session: Session) -> None:
    world = build_world(db_session)
    await login(client, db_session, world.mentee)
    page = await client.get("/account/data")
    assert page.status_code == 200
    assert 'href="/account/data/export.zip"' in page.text
    account = await client.get("/account")
    assert 'href="/account/data"' in account.text
    response = await client.get("/account/data/export.zip")
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    assert_only_readable(world, Side.MENTEE, unzip(response.content))


async def test_the_page_speaks_german(client: httpx.AsyncClient, db_session: Session) -> None:
    world = build_world(db_session)
    await login(client, db_session, world.mentee)
    client.cookies.set("ml_lang", "de")
    page = await client.get("/account/data")
    assert "Ihre Daten" in page.text
    files = unzip((await client.get("/account/data/export.zip")).content)
    assert 'lang="de"' in files["mentorloom-data.html"] and "Ihre Daten" in files["mentorloom-data.html"]


async def test_anonymous_people_get_nothing(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/me/export")).status_code == 401
    page = await client.get("/account/data/export.zip")
    assert page.status_code in (303, 307) and "/login" in page.headers["location"]


async def test_the_api_documents_the_zip(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    content = schema["paths"]["/api/v1/me/export"]["get"]["responses"]["200"]["content"]
    assert content == {"application/zip": {"schema": {"type": "string", "format": "binary"}}}
