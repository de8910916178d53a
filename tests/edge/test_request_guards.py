"""Guards in front of every request: body size, CSRF bound to the session, same origin, trusted proxies."""

from __future__ import annotations

import secrets
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
import uvicorn
from fastapi import FastAPI
from sqlalchemy.orm import Session

from mentorloom.config import Settings
from mentorloom.web.serving import proxy_options
from tests.conftest import SharedConnectionDatabase, require_or_skip
from tests.factories import make_token, make_user
from tests.matching.test_views import login
from tests.web.conftest import _free_port

pytestmark = pytest.mark.anyio
MB = 2**20


# --- body size ----------------------------------------------------------------------------------------


async def _call(
    app: FastAPI, headers: list[tuple[bytes, bytes]], chunks: int, chunk: int = 64 * 1024
) -> dict[str, Any]:
    """Drive the ASGI app directly: a POST whose body arrives in `chunks` pieces; count what was read."""
    state: dict[str, Any] = {"read": 0, "status": None, "body": b""}
    sent = 0

    async def receive() -> dict[str, Any]:
        nonlocal sent
        sent += 1
        state["read"] += chunk
        return {"type": "http.request", "body": b"x" * chunk, "more_body": sent < chunks}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            state["status"] = message["status"]
            state["headers"] = dict(message["headers"])
        elif message["type"] == "http.response.body":
            state["body"] += message.get("body", b"")

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/api/v1/me/tokens",
        "raw_path": b"/api/v1/me/tokens",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json"), *headers],
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
        "state": {},
    }
    await app(scope, receive, send)
    return state


async def test_a_declared_large_body_is_refused_unread(settings: Settings, app: FastAPI) -> None:
    settings.max_body_mb = 1
    state = await _call(app, [(b"content-length", str(100 * MB).encode())], chunks=1600)
    assert state["status"] == 413
    assert state["read"] == 0
    assert b"larger than 1 MB" in state["body"]


async def test_a_streamed_large_body_is_cut_off_at_the_limit(settings: Settings, app: FastAPI) -> None:
    settings.max_body_mb = 1
    state = await _call(app, [], chunks=160)  # 10 MB, chunked (no Content-Length)
    assert state["status"] == 413
    assert state["read"] <= MB + 64 * 1024


async def test_bodies_within_the_limit_pass(client: httpx.AsyncClient, db_session: Session, settings: Settings) -> None:
    settings.max_body_mb = 1
    headers = make_token(db_session, make_user(db_session))
    ok = await client.post("/api/v1/me/tokens", json={"name": "laptop"}, headers=headers)
    assert ok.status_code == 201
    big = await client.post("/api/v1/me/tokens", json={"name": "x" * (2 * MB)}, headers=headers)
    assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"
    page = await client.post("/login", data={"email": "a@example.org", "password": "p" * (2 * MB)})
    assert page.status_code == 413 and "text/html" in page.headers["content-type"]


# --- CSRF bound to the session, same origin ---------------------------------------------------------------


async def test_a_csrf_token_works_only_with_its_own_login(app: FastAPI, db_session: Session) -> None:
    transport = httpx.ASGITransport(app=app)
    async with (
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as victim,
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as attacker,
    ):
        await login(victim, db_session, make_user(db_session))
        attacker_token = await login(attacker, db_session, make_user(db_session))
        # the attacker plants a token it knows as the victim's cookie too (double submit alone accepts that)
        victim.cookies.delete("ml_csrf")
        victim.cookies.set("ml_csrf", attacker_token)
        forged = await victim.post("/account/tokens", data={"csrf_token": attacker_token, "name": "stolen"})
        assert forged.status_code == 403
        victim.cookies.delete("ml_csrf")
        assert (await victim.get("/account")).status_code == 200
        own = str(victim.cookies.get("ml_csrf"))  # the page set the session's token again
        made = await victim.post("/account/tokens", data={"csrf_token": own, "name": "mine"})
        assert made.status_code == 200 and "ml_" in made.text


async def test_the_token_from_before_login_stops_working(client: httpx.AsyncClient, db_session: Session) -> None:
    await client.get("/login")
    anonymous = str(client.cookies.get("ml_csrf"))
    bound = await login(client, db_session, make_user(db_session))
    assert bound != anonymous
    stale = await client.post("/account/tokens", data={"csrf_token": anonymous, "name": "x"})
    assert stale.status_code == 403


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"origin": "https://evil.example"}, 403),
        ({"origin": "null"}, 403),
        ({"referer": "https://evil.example/page"}, 403),
        ({"origin": "http://testserver"}, 200),
        ({"referer": "http://testserver/account"}, 200),
        ({}, 200),
    ],
)
async def test_unsafe_requests_must_come_from_our_own_origin(
    client: httpx.AsyncClient, db_session: Session, headers: dict[str, str], status: int
) -> None:
    token = await login(client, db_session, make_user(db_session))
    response = await client.post("/account/tokens", data={"csrf_token": token, "name": "x"}, headers=headers)
    assert response.status_code == status


# --- trusted proxies and the login limit -------------------------------------------------------------------


def test_serve_trusts_proxy_headers_only_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    from mentorloom import cli

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.delenv("MENTORLOOM_FORWARDED_ALLOW_IPS", raising=False)
    cli.serve(host="127.0.0.1", port=0, with_worker=False, reload=False)
    monkeypatch.setenv("MENTORLOOM_FORWARDED_ALLOW_IPS", "10.0.0.1")
    cli.serve(host="127.0.0.1", port=0, with_worker=False, reload=False)
    assert calls[0]["proxy_headers"] is False
    assert calls[1]["proxy_headers"] is True and calls[1]["forwarded_allow_ips"] == "10.0.0.1"


def _serve(app: FastAPI, settings: Settings) -> tuple[uvicorn.Server, str]:
    import threading

    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", **proxy_options(settings))
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


@pytest.mark.parametrize(("trusted", "limited"), [("", True), ("127.0.0.1", False)])
async def test_a_fresh_x_forwarded_for_escapes_the_login_limit_only_behind_a_trusted_proxy(
    tmp_path: Path, trusted: str, limited: bool
) -> None:
    from mentorloom.app import create_app

    settings = Settings(
        var_dir=tmp_path / "var",
        secret_key="proxy-test",
        login_rate_limit="3/minute",
        forwarded_allow_ips=trusted,
        base_url="http://127.0.0.1",
    )
    from mentorloom import migrate

    migrate.upgrade(settings.sqlalchemy_url)
    app = create_app(settings)
    server, url = _serve(app, settings)
    try:
        async with httpx.AsyncClient(base_url=url) as client:
            await client.get("/login")
            token = client.cookies.get("ml_csrf")
            codes = []
            for n in range(5):
                form = {"csrf_token": token, "email": "x@example.org", "password": "wrong password"}
                response = await client.post("/login", data=form, headers={"x-forwarded-for": f"203.0.113.{n}"})
                codes.append(response.status_code)
    finally:
        server.should_exit = True
        app.state.db.dispose()
    assert (429 in codes) is limited, codes


def _redis_up() -> bool:
    try:
        return bool(redis.Redis.from_url("redis://127.0.0.1:6379/0").ping())
    except redis.RedisError:
        return False


async def test_login_limits_count_in_redis_across_web_processes(settings: Settings, db_session: Session) -> None:
    require_or_skip(_redis_up(), "Redis at 127.0.0.1:6379")
    from mentorloom.app import create_app
    from mentorloom.jobs import JobQueue

    settings.redis_url = "redis://127.0.0.1:6379/0"
    settings.login_rate_limit = "2/minute"
    settings.queue_name = f"guards-{secrets.token_hex(4)}"
    database = SharedConnectionDatabase(db_session)
    address = (f"198.51.100.{secrets.randbelow(250) + 1}", 4321)  # fresh in Redis for each run
    codes = []
    for _process in range(2):  # two web processes, each with its own app
        app = create_app(settings, database=database, jobs=JobQueue(settings, database, immediate=True))  # type: ignore[arg-type]
        transport = httpx.ASGITransport(app=app, client=address)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            await client.get("/login")
            form = {"csrf_token": client.cookies.get("ml_csrf"), "email": "x@example.org", "password": "wrong"}
            codes += [(await client.post("/login", data=form)).status_code for _ in range(2)]
    assert codes == [401, 401, 429, 429]
