"""Load and abuse limits: pool exhaustion answers 503, a busy token cannot stall others, rate limits per token."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from mentorloom import migrate
from mentorloom.accounts.service import start_session
from mentorloom.config import Settings
from mentorloom.db import POOL_OVERFLOW, Database
from tests.factories import make_token, make_user
from tests.web.conftest import _free_port

pytestmark = pytest.mark.anyio


def _settings(tmp_path: Path, url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "var_dir": tmp_path / "var",
        "database_url": url,
        "secret_key": "limits-test",
        "jobs_immediate": True,
        "base_url": "http://testserver",
        "text_encoder": "tfidf",
    }
    return Settings(**(values | overrides))  # type: ignore[arg-type]


def _seed(database: Database, people: int = 1) -> tuple[list[dict[str, str]], str]:
    """Committed users, each with an API token; also a login cookie for the first."""
    with database.session() as session:
        users = [make_user(session) for _ in range(people)]
        headers = [make_token(session, user) for user in users]
        cookie = start_session(session, users[0], 1)
    return headers, cookie


@pytest.fixture()
def committed_db(fresh_database_url: str) -> str:
    migrate.upgrade(fresh_database_url)
    return fresh_database_url


async def test_an_exhausted_pool_answers_503_with_retry_after(tmp_path: Path, committed_db: str) -> None:
    from mentorloom.app import create_app

    settings = _settings(tmp_path, committed_db, db_pool_size=1, db_pool_timeout=0.3)
    app = create_app(settings)
    database = app.state.db
    (headers,), cookie = _seed(database)
    with ExitStack() as held:  # someone else holds every connection the pool may open
        for _ in range(1 + POOL_OVERFLOW):
            held.enter_context(database.engine.connect())
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
            started = time.monotonic()
            api = await client.get("/api/v1/me", headers=headers)
            client.cookies.set("ml_session", cookie)
            page = await client.get("/account")
            elapsed = time.monotonic() - started
    database.dispose()
    assert api.status_code == 503, api.text
    assert api.headers["content-type"] == "application/problem+json"
    assert api.headers["retry-after"] == "1"
    assert api.json()["title"] == "Service busy"
    assert page.status_code == 503 and page.headers["retry-after"] == "1"
    assert "text/html" in page.headers["content-type"] and "try again in a few seconds" in page.text
    assert elapsed < 5  # the short pool timeout, not SQLAlchemy's 30 s


async def test_requests_wait_for_a_database_slot_then_answer_503(tmp_path: Path, committed_db: str) -> None:
    from mentorloom.app import create_app

    app = create_app(_settings(tmp_path, committed_db, db_pool_size=1, db_pool_timeout=0.3))
    (headers,), _cookie = _seed(app.state.db)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as client:
        assert (await client.get("/api/v1/me", headers=headers)).status_code == 200
        async with app.state.request_slots.slot():  # another request is using the only slot
            busy = await client.get("/api/v1/me", headers=headers)
    app.state.db.dispose()
    assert busy.status_code == 503 and busy.headers["retry-after"] == "1"


async def test_the_api_rate_limit_counts_per_token(
    settings: Settings, client: httpx.AsyncClient, db_session: Session
) -> None:
    settings.api_rate_limit = "3/minute"
    busy, other = make_token(db_session, make_user(db_session)), make_token(db_session, make_user(db_session))
    codes = [(await client.get("/api/v1/me", headers=busy)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    limited = await client.get("/api/v1/me", headers=busy)
    assert limited.headers["content-type"] == "application/problem+json"
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert (await client.get("/api/v1/me", headers=other)).status_code == 200


class _Server:
    """A real uvicorn server in a thread (its own event loop and thread pool), as `mentorloom serve` runs."""

    def __init__(self, settings: Settings) -> None:
        from mentorloom.app import create_app

        self.app = create_app(settings)
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.app.state.db.dispose()


@pytest.fixture()
def live(tmp_path: Path, committed_db: str) -> Iterator[_Server]:
    with _Server(_settings(tmp_path, committed_db, db_pool_size=5, db_pool_timeout=10)) as server:
        yield server


@pytest.mark.slow
async def test_one_busy_token_does_not_stall_another_user(live: _Server) -> None:
    (busy, other), _cookie = _seed(live.app.state.db, people=2)
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    async with httpx.AsyncClient(base_url=live.url, limits=limits, timeout=20) as client:

        async def other_request() -> tuple[int, float]:
            await asyncio.sleep(0.2)  # while the flood is in full swing
            started = time.monotonic()
            response = await client.get("/api/v1/me", headers=other)
            return response.status_code, time.monotonic() - started

        flood = [client.get("/api/v1/programs", headers=busy) for _ in range(60)]
        *responses, (other_status, other_seconds) = await asyncio.gather(*flood, other_request())
    assert sorted({r.status_code for r in responses}) == [200]
    assert other_status == 200
    assert other_seconds < 5, f"another user's request took {other_seconds:.1f} s"
