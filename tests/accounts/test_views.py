"""Login, logout, CSRF, rate limiting, password reset and API tokens through the pages."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from tests.factories import mailed_links, make_token, make_user, set_password

pytestmark = pytest.mark.anyio


async def csrf(client: httpx.AsyncClient) -> str:
    await client.get("/login")
    return str(client.cookies.get("ml_csrf"))


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/login", data={"email": email, "password": password, "csrf_token": await csrf(client)})


async def test_login_sets_a_hardened_cookie_and_logout_ends_it(client: httpx.AsyncClient, db_session: Session) -> None:
    user = make_user(db_session, email="ana@example.org")
    password = set_password(db_session, user)
    response = await login(client, "ANA@example.org ", password)
    assert response.status_code == 303
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    assert (await client.get("/account")).status_code == 200

    await client.post("/logout", data={"csrf_token": client.cookies.get("ml_csrf")})
    client.cookies.delete("ml_session")
    assert (await client.get("/account")).status_code == 303


async def test_wrong_password_gets_one_vague_message(client: httpx.AsyncClient, db_session: Session) -> None:
    user = make_user(db_session, email="bo@example.org")
    set_password(db_session, user)
    wrong = await login(client, "bo@example.org", "not it at all")
    unknown = await login(client, "nobody@example.org", "not it at all")
    assert wrong.status_code == unknown.status_code == 401
    assert "E-mail or password is not correct." in wrong.text and "E-mail or password is not correct." in unknown.text


async def test_form_without_csrf_token_is_refused(client: httpx.AsyncClient, db_session: Session) -> None:
    user = make_user(db_session, email="cy@example.org")
    password = set_password(db_session, user)
    response = await client.post("/login", data={"email": "cy@example.org", "password": password})
    assert response.status_code == 403
    client.cookies.set("ml_csrf", "y")
    forged = await client.post("/login", data={"email": "cy@example.org", "password": password, "csrf_token": "x"})
    assert forged.status_code == 403
    assert "Reload the page and try again." in forged.text
    assert "ask the coordinator" not in forged.text  # a stale form is not a question of access rights


async def test_a_malformed_id_in_a_page_url_is_a_plain_404(client: httpx.AsyncClient, db_session: Session) -> None:
    from tests.matching.test_views import login

    user = make_user(db_session)
    await login(client, db_session, user)
    response = await client.get("/programs/abc/matching")
    assert response.status_code == 404 and "Page not found" in response.text
    assert "valid integer" not in response.text
    api = await client.get("/api/v1/programs/abc", headers=make_token(db_session, user))
    assert api.status_code == 422 and api.json()["errors"][0]["field"] == "program_id"  # the API still names it


async def test_login_is_rate_limited(settings: Settings, db_session: Session, app: FastAPI) -> None:
    settings.login_rate_limit = "3/minute"
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        codes = [(await login(client, "x@example.org", "wrong password")).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401]
    assert codes[3:] == [429, 429]


async def test_password_reset_round_trip(client: httpx.AsyncClient, db_session: Session, settings: Settings) -> None:
    user = make_user(db_session, email="di@example.org")
    set_password(db_session, user, "old password 123")
    token = await csrf(client)
    response = await client.post("/forgot", data={"email": "di@example.org", "csrf_token": token})
    assert response.status_code == 303
    unknown = await client.post("/forgot", data={"email": "ghost@example.org", "csrf_token": token})
    assert unknown.headers["location"] == response.headers["location"]  # no account probing
    (path,) = mailed_links(settings.mail_outbox, "/reset/")
    short = await client.post(path, data={"password": "short", "password2": "short", "csrf_token": token})
    assert short.status_code == 422 and "at least 10 characters" in short.text
    ok = await client.post(
        path, data={"password": "new password 456", "password2": "new password 456", "csrf_token": token}
    )
    assert ok.status_code == 303
    assert (await login(client, "di@example.org", "new password 456")).status_code == 303
    reused = await client.get(path)
    assert reused.status_code == 404


async def test_api_token_shown_once_works_and_can_be_revoked(client: httpx.AsyncClient, db_session: Session) -> None:
    user = make_user(db_session, email="ed@example.org")
    await login(client, "ed@example.org", set_password(db_session, user))
    page = await client.post("/account/tokens", data={"name": "laptop", "csrf_token": client.cookies.get("ml_csrf")})
    assert page.status_code == 200
    raw = re.search(r"ml_[A-Za-z0-9_-]{30,}", page.text).group(0)  # type: ignore[union-attr]
    headers = {"Authorization": f"Bearer {raw}"}
    me = await client.get("/api/v1/me", headers=headers)
    assert me.json()["email"] == "ed@example.org"
    listing = (await client.get("/api/v1/me/tokens", headers=headers)).json()
    assert "token" not in listing[0] and raw not in str(listing)
    revoked = await client.delete(f"/api/v1/me/tokens/{listing[0]['id']}", headers=headers)
    assert revoked.status_code == 200
    assert (await client.get("/api/v1/me", headers=headers)).status_code == 401
