"""Session ids change at sign-in and at every privilege change; failed sign-ins are counted per account too."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.accounts import service
from mentorloom.config import Settings
from mentorloom.profiles.importer import import_participants
from mentorloom.programs.models import Role
from tests.factories import mailed_links, make_membership, make_program, make_user, set_password

pytestmark = pytest.mark.anyio

HEADER = "email,name,role,department,line_manager_email,timezone,languages,values,interests,expertise,wanted_skills,capacity,availability,bio"  # noqa: E501


@asynccontextmanager
async def browser(app: FastAPI, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    """A separate browser (own cookies) connecting from `address`."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    await client.get("/login")
    data = {"email": email, "password": password, "csrf_token": str(client.cookies.get("ml_csrf"))}
    return await client.post("/login", data=data)


async def works(app: FastAPI, session_cookie: str) -> bool:
    """Whether this session cookie still opens the account page."""
    async with browser(app) as other:
        other.cookies.set("ml_session", session_cookie)
        return (await other.get("/account")).status_code == 200


async def signed_in(app: FastAPI, email: str, password: str) -> str:
    async with browser(app) as client:
        assert (await login(client, email, password)).status_code == 303
        return str(client.cookies.get("ml_session"))


async def test_sign_in_ends_the_session_cookie_the_browser_had(app: FastAPI, db_session: Session) -> None:
    ana, bo = make_user(db_session, email="ana@example.org"), make_user(db_session, email="bo@example.org")
    set_password(db_session, ana), set_password(db_session, bo)
    async with browser(app) as client:
        assert (await login(client, "ana@example.org", "correct horse battery")).status_code == 303
        before = str(client.cookies.get("ml_session"))
        assert await works(app, before)
        assert (await login(client, "bo@example.org", "correct horse battery")).status_code == 303
        after = str(client.cookies.get("ml_session"))
    assert after != before
    assert not await works(app, before)  # ana's login on this browser ended with the new sign-in
    assert await works(app, after)


async def test_own_password_change_gives_a_new_session_id(app: FastAPI, db_session: Session) -> None:
    user = make_user(db_session, email="cy@example.org", name="Cy Test")
    set_password(db_session, user)
    other_device = await signed_in(app, "cy@example.org", "correct horse battery")
    async with browser(app) as client:
        await login(client, "cy@example.org", "correct horse battery")
        before = str(client.cookies.get("ml_session"))
        form = {"current_password": "correct horse battery", "csrf_token": str(client.cookies.get("ml_csrf"))}
        common = await client.post(
            "/account/password", data=form | {"new_password": "Password123", "new_password2": "Password123"}
        )
        assert common.status_code == 422 and "common passwords" in common.text
        assert await works(app, before)  # a refused change changes nothing
        wrong = form | {
            "current_password": "not my password",
            "new_password": "a new sentence 7",
            "new_password2": "a new sentence 7",
        }
        assert (await client.post("/account/password", data=wrong)).status_code == 422
        done = await client.post(
            "/account/password", data=form | {"new_password": "a new sentence 7", "new_password2": "a new sentence 7"}
        )
        assert done.status_code == 303
        after = str(client.cookies.get("ml_session"))
        assert (await client.get("/account")).status_code == 200  # still signed in, with the new id
    assert after != before
    assert not await works(app, before) and not await works(app, other_device)
    assert await works(app, after)


async def test_password_reset_ends_every_session(app: FastAPI, db_session: Session, settings: Settings) -> None:
    user = make_user(db_session, email="di@example.org")
    set_password(db_session, user)
    before = await signed_in(app, "di@example.org", "correct horse battery")
    async with browser(app) as client:
        await client.get("/login")
        token = str(client.cookies.get("ml_csrf"))
        await client.post("/forgot", data={"email": "di@example.org", "csrf_token": token})
        (path,) = mailed_links(settings.mail_outbox, "/reset/")
        data = {"password": "a new sentence 8", "password2": "a new sentence 8", "csrf_token": token}
        assert (await client.post(path, data=data)).status_code == 303
    assert not await works(app, before)


async def test_admin_promotion_ends_the_sessions_from_before(app: FastAPI, db_session: Session) -> None:
    user = make_user(db_session, email="ed@example.org", name="Ed")
    set_password(db_session, user)
    before = await signed_in(app, "ed@example.org", "correct horse battery")
    service.create_admin(db_session, email="ed@example.org", display_name="Ed", password="correct horse battery")
    assert user.is_admin and not await works(app, before)
    again = await signed_in(app, "ed@example.org", "correct horse battery")
    service.create_admin(db_session, email="ed@example.org", display_name="Ed", password="correct horse battery")
    assert await works(app, again)  # no change of rights, no new sign-in needed


async def test_a_new_program_role_ends_the_sessions_from_before(app: FastAPI, db_session: Session) -> None:
    program = make_program(db_session)
    moved, stays = make_user(db_session, email="fa@example.org"), make_user(db_session, email="gu@example.org")
    make_membership(db_session, program=program, user=moved, role=Role.MENTEE)
    make_membership(db_session, program=program, user=stays, role=Role.MENTOR)
    set_password(db_session, moved), set_password(db_session, stays)
    moved_cookie = await signed_in(app, "fa@example.org", "correct horse battery")
    stays_cookie = await signed_in(app, "gu@example.org", "correct horse battery")
    rows = [HEADER, "fa@example.org,Fa,mentor,,,,en,,,Python:3,,1,,", "gu@example.org,Gu,mentor,,,,en,,,Java:3,,1,,"]
    import_participants(db_session, program.id, ("\r\n".join(rows) + "\r\n").encode())
    assert not await works(app, moved_cookie)
    assert await works(app, stays_cookie)


async def test_failures_from_many_addresses_lock_one_account_only(
    app: FastAPI, db_session: Session, settings: Settings
) -> None:
    settings.login_account_rate_limit = "3/minute;10/hour"
    target, bystander = make_user(db_session, email="ha@example.org"), make_user(db_session, email="io@example.org")
    set_password(db_session, target), set_password(db_session, bystander)
    for i in range(3):  # each address fails once only: the per-address limit never triggers
        async with browser(app, f"10.0.0.{i + 1}") as client:
            assert (await login(client, " HA@example.org", f"guess number {i}")).status_code == 401
    async with browser(app, "10.0.0.9") as client:
        refused = await login(client, "ha@example.org", "correct horse battery")
        assert refused.status_code == 429
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        assert "Too many failed sign-ins for this account" in refused.text
        assert "ml_session" not in client.cookies
        assert (await login(client, "io@example.org", "correct horse battery")).status_code == 303


async def test_the_owners_sign_in_or_reset_clears_the_count(
    app: FastAPI, db_session: Session, settings: Settings
) -> None:
    settings.login_account_rate_limit = "3/minute"
    user = make_user(db_session, email="jo@example.org")
    set_password(db_session, user)
    async with browser(app) as client:
        for _ in range(2):
            assert (await login(client, "jo@example.org", "a typo here")).status_code == 401
        assert (await login(client, "jo@example.org", "correct horse battery")).status_code == 303
    async with browser(app) as client:
        for _ in range(3):  # the earlier typos no longer count: three more before the lock
            assert (await login(client, "jo@example.org", "a typo here")).status_code == 401
        assert (await login(client, "jo@example.org", "correct horse battery")).status_code == 429
        token = str(client.cookies.get("ml_csrf"))
        await client.post("/forgot", data={"email": "jo@example.org", "csrf_token": token})
        (path,) = mailed_links(settings.mail_outbox, "/reset/")
        data = {"password": "a new sentence 9", "password2": "a new sentence 9", "csrf_token": token}
        assert (await client.post(path, data=data)).status_code == 303
        assert (await login(client, "jo@example.org", "a new sentence 9")).status_code == 303


async def test_german_throttle_message(app: FastAPI, db_session: Session, settings: Settings) -> None:
    settings.login_account_rate_limit = "1/minute"
    async with browser(app) as client:
        client.cookies.set("ml_lang", "de")
        await login(client, "ka@example.org", "a wrong guess")
        refused = await login(client, "ka@example.org", "a wrong guess")
    assert refused.status_code == 429 and "Anmeldungen" in refused.text


def test_parallel_guesses_at_one_account_get_no_more_tries_than_the_limit(app: FastAPI, settings: Settings) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from starlette.requests import Request

    from mentorloom.errors import RateLimited
    from mentorloom.web import login_throttle

    settings.login_account_rate_limit = "5/minute"
    request = Request({"type": "http", "app": app, "headers": []})

    def attempt(_n: int) -> bool:
        try:
            login_throttle.admit(request, "Race@example.org ")
        except RateLimited:
            return False
        return True

    with ThreadPoolExecutor(max_workers=16) as pool:
        admitted = sum(pool.map(attempt, range(60)))
    assert admitted == 5
